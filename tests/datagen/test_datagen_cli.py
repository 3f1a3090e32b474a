"""``etlq generate`` through the real dispatcher: report formats and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import boto3
from datagen_support import CONTRACTS, RUN_DATE, raw_file

Etlq = Callable[..., tuple[int, str, str]]


def test_json_report_lists_tables(etlq: Etlq, tmp_path: Path) -> None:
    code, out, err = etlq(
        "generate",
        "--contracts",
        str(CONTRACTS),
        "--rows",
        "300",
        "--seed",
        "1",
        "--out",
        str(tmp_path),
        "--run-date",
        str(RUN_DATE),
        "--defects",
        "0.1",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    report = json.loads(out)
    tables = {t["source"]: t for t in report["tables"]}
    assert list(tables) == ["customers", "fx_rates", "orders"]  # parents first
    assert tables["orders"]["rows"] == 300 + tables["orders"]["defect_rows"]
    assert tables["orders"]["bytes"] == raw_file(tmp_path, "orders").stat().st_size
    assert report["defects"] == sum(t["defect_rows"] for t in tables.values())
    assert report["manifest"] == f"{tmp_path}/manifest.json"


def test_user_errors_exit_2_with_one_line(etlq: Etlq, tmp_path: Path) -> None:
    code, out, err = etlq(
        "generate", "--contracts", str(tmp_path / "nope"), "--rows", "10", "--out", str(tmp_path)
    )
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"etlq: error: {tmp_path / 'nope'}: no such contract file or directory")
    code, _, err = etlq("generate", "--contracts", str(CONTRACTS), "--rows", "0", "--out", str(tmp_path))
    assert (code, err) == (2, "etlq: error: --rows must be at least 1, got 0\n")
    code, _, err = etlq(
        "generate", "--contracts", str(CONTRACTS), "--rows", "5", "--out", str(tmp_path), "--defects", "1.5"
    )
    assert (code, err) == (2, "etlq: error: --defects is a fraction of rows between 0 and 1, got 1.5\n")
    assert not (tmp_path / "raw").exists()


def test_unsupported_pattern_names_the_column(etlq: Etlq, tmp_path: Path) -> None:
    staging = tmp_path / "c" / "staging"
    staging.mkdir(parents=True)
    (staging / "codes.yml").write_text(
        "table: staging.codes\nraw: {source: codes}\ncolumns:\n  code: {type: text, pattern: '^(A|B)+$'}\n"
    )
    code, _, err = etlq(
        "generate", "--contracts", str(tmp_path / "c"), "--rows", "5", "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert err.startswith(
        "etlq: error: column 'code': datagen cannot produce values for pattern '^(A|B)+$' (fix: add"
    )
    assert not any((tmp_path / "o").rglob("*.csv*"))


def test_s3_output_has_the_same_bytes(etlq: Etlq, tmp_path: Path, raw_bucket: str) -> None:
    args = (
        "generate",
        "--contracts",
        str(CONTRACTS),
        "--rows",
        "2000",
        "--seed",
        "4",
        "--run-date",
        str(RUN_DATE),
        "--defects",
        "0.02",
    )
    assert etlq(*args, "--out", str(tmp_path))[0] == 0
    assert etlq(*args, "--out", f"s3://{raw_bucket}/landing")[0] == 0
    s3 = boto3.client("s3")
    for rel in (f"raw/orders/run_date={RUN_DATE}/orders.csv", "manifest.json"):
        body = s3.get_object(Bucket=raw_bucket, Key=f"landing/{rel}")["Body"].read()
        assert body == (tmp_path / rel).read_bytes()
