"""``etlq generate`` through the real dispatcher: report formats and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from datagen_support import CONTRACTS, RUN_DATE, raw_file

from etlq import aws
from fixtures.cli import Etlq


def test_json_report_lists_tables(etlq: Etlq, tmp_path: Path) -> None:
    code, out, err = etlq(
        "generate", "--contracts", str(CONTRACTS), "--rows", "300", "--seed", "1", "--out", str(tmp_path),
        "--run-date", str(RUN_DATE), "--defects", "0.1", "--format", "json",
    )  # fmt: skip
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
        "generate", "--contracts", str(CONTRACTS), "--rows", "2000", "--seed", "4",
        "--run-date", str(RUN_DATE), "--defects", "0.02",
    )  # fmt: skip
    assert etlq(*args, "--out", str(tmp_path))[0] == 0
    assert etlq(*args, "--out", f"s3://{raw_bucket}/landing")[0] == 0
    s3 = boto3.client("s3")
    for rel in (f"raw/orders/run_date={RUN_DATE}/orders.csv", "manifest.json"):
        body = s3.get_object(Bucket=raw_bucket, Key=f"landing/{rel}")["Body"].read()
        assert body == (tmp_path / rel).read_bytes()


def _env_up_state(project: Path, endpoint: str) -> None:
    """The ``.etlq/env.json`` `etlq env up` writes, pointing at ``endpoint`` (no servers needed)."""
    (project / ".etlq").mkdir()
    state = {
        "version": 1,
        "database_url": "postgresql+psycopg2://postgres@127.0.0.1:1/etlq",
        "aws_endpoint": endpoint,
        "postgres": {"started": False},
        "moto": {"started": False},
        "aws": {"raw_bucket": "etlq-raw", "db_secret_id": "etlq/db"},
    }
    (project / ".etlq" / "env.json").write_text(json.dumps(state))


@pytest.fixture
def after_env_up(tmp_path: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A newcomer's shell after `etlq env up`: no AWS variables at all, only the env state."""
    for name in ("AWS_ENDPOINT_URL", "ETLQ_AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    _env_up_state(tmp_path, moto_endpoint)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_s3_output_goes_to_the_env_up_endpoint(
    etlq: Etlq, after_env_up: Path, raw_bucket: str, moto_endpoint: str
) -> None:
    # Regression: generate used boto3's default chain only, so after `etlq env up` it died with
    # a NoCredentialsError traceback instead of writing to the env's moto server.
    code, _, err = etlq(
        "generate", "--contracts", str(CONTRACTS), "--rows", "50", "--out", f"s3://{raw_bucket}",
        "--run-date", str(RUN_DATE),
    )  # fmt: skip
    assert (code, err) == (0, "")
    s3 = aws.client("s3", moto_endpoint)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=raw_bucket)["Contents"]}
    assert f"raw/orders/run_date={RUN_DATE}/orders.csv" in keys and "manifest.json" in keys


def test_missing_bucket_is_one_line_before_anything_is_written(
    etlq: Etlq, after_env_up: Path, moto_endpoint: str
) -> None:
    code, out, err = etlq(
        "generate", "--contracts", str(CONTRACTS), "--rows", "50", "--out", "s3://no-such-bkt"
    )
    assert (code, out) == (2, "")
    assert err == (
        f"etlq: error: bucket s3://no-such-bkt does not exist (endpoint {moto_endpoint}) (fix: create it; "
        "or run `etlq env up`, which creates s3://etlq-raw; or pass --out with an existing bucket)\n"
    )
    code, _, err = etlq(
        "generate", "--contracts", str(CONTRACTS), "--rows", "5", "--out", "s3://b", "--aws-endpoint",
        "http://127.0.0.1:9",
    )  # fmt: skip
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(
        "etlq: error: cannot reach bucket s3://b: nothing answers at endpoint http://127.0.0.1:9"
    )


def test_no_data_file_is_left_without_its_manifest(
    etlq: Etlq, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etlq.datagen import sinks
    from etlq.errors import ConnectionFailed

    def refuse(self: sinks.Output, relative: str, data: bytes) -> None:
        raise ConnectionFailed(f"cannot write {relative}")

    monkeypatch.setattr(sinks.Output, "put", refuse)
    out = tmp_path / "o"
    code, _, err = etlq("generate", "--contracts", str(CONTRACTS), "--rows", "50", "--out", str(out))
    assert (code, err) == (2, "etlq: error: cannot write manifest.json\n")
    assert [p for p in out.rglob("*") if p.is_file()] == []
