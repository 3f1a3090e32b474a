"""``etlq etl run`` and the contracts on a clean load: both check engines pass them."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from etl_support import D1, DAY

from etlq.checks.sql_engine import run_checks
from etlq.cli import etl as etl_cli
from etlq.contracts import load_contracts
from etlq.errors import EtlqError

CONTRACTS = Path(__file__).resolve().parents[2] / "testdata" / "contracts"
CLOCK_DEPENDENT = {  # warn rules comparing with now(): fixed test dates may lie in the machine's future
    "staging.orders::expression[event_ts_not_in_future]",
    "staging.customers::expression[updated_at_not_in_future]",
}


def etlq_etl(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    etl_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["etl", "run", *argv])
    return int(args.func(args))


def test_a_clean_load_passes_every_contract_check_and_the_gx_gate(db, raw_bucket, land_day, capsys):
    land_day(D1)
    code = etlq_etl(
        "--run-date",
        D1,
        "--url",
        db,
        "--bucket",
        raw_bucket,
        "--contracts",
        str(CONTRACTS),
        "--glue-database",
        "etlq_cli",
        "--format",
        "json",
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(j["job"], j["status"]) for j in report["jobs"]] == [
        ("ingest", "succeeded"),
        ("silver", "succeeded"),
        ("quality_gate", "succeeded"),
        ("gold", "succeeded"),
    ]
    gate = report["jobs"][2]
    assert gate["rows_in"] > 100 and gate["rows_rejected"] == len(gate["details"]["warn_failures"])
    assert {f.split(": ")[0] for f in gate["details"]["warn_failures"]} <= CLOCK_DEPENDENT

    results = run_checks(db, load_contracts(CONTRACTS)).results
    failed = {r.spec.id for r in results if r.outcome != "passed"}
    assert len(results) > 150
    assert failed <= CLOCK_DEPENDENT


def test_text_summary_shows_each_job(db, raw_bucket, land_day, capsys):
    land_day(D1, orders=(*DAY["orders"], "9,10,LOST,1.00,EUR,2026-11-19,2026-11-19T10:00:00Z"))
    code = etlq_etl(
        "--run-date", D1, "--url", db, "--bucket", raw_bucket, "--glue-database", "etlq_cli", "--no-gate"
    )
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        f"etl run {D1}",
        "note: --no-gate given: quality gate skipped",
        "  job           status       rows in  rows out  rejected  seconds",
    ]
    assert lines[3].split()[:5] == ["ingest", "succeeded", "10", "9", "1"]
    assert [line.split()[:2] for line in lines[4:]] == [
        ["silver", "succeeded"],
        ["quality_gate", "skipped"],
        ["gold", "succeeded"],
    ]


def test_input_errors_become_the_cli_one_line_error(db, moto_endpoint):
    with pytest.raises(EtlqError) as caught:
        etlq_etl("--run-date", D1, "--url", db, "--bucket", "no-such-bucket")
    assert str(caught.value).startswith("bucket s3://no-such-bucket does not exist")
    assert caught.value.exit_code == 2
    # The fix names this command's options, not the Glue job arguments the ETL's message uses.
    assert str(caught.value).endswith(
        "(fix: create the bucket and land the raw files; or pass --bucket with the landing bucket)"
    )


def test_missing_raw_files_fix_names_the_cli_option(db, raw_bucket):
    with pytest.raises(EtlqError) as caught:
        etlq_etl("--run-date", "2026-11-22", "--url", db, "--bucket", raw_bucket)
    assert "--run_date" not in str(caught.value)
    assert str(caught.value).endswith("or pass the --run-date the files were landed for)")


def test_the_gate_runs_by_default_with_the_projects_contracts(db, raw_bucket, land_day, capsys, monkeypatch):
    # Regression: without --contracts the gate was skipped, so README's `etlq etl run --run-date D`
    # recorded a skipped gate and the smoke suite's quality-gate test then failed.
    monkeypatch.chdir(CONTRACTS.parents[1])
    land_day(D1)
    assert etlq_etl("--run-date", D1, "--url", db, "--bucket", raw_bucket, "--glue-database", "etlq_cli") == 0
    lines = capsys.readouterr().out.splitlines()
    assert not any(line.startswith("note:") for line in lines)
    assert lines[4].split()[:2] == ["quality_gate", "succeeded"]


def test_no_contracts_folder_here_skips_the_gate_with_a_note(
    db, raw_bucket, land_day, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    land_day(D1)
    assert etlq_etl("--run-date", D1, "--url", db, "--bucket", raw_bucket, "--glue-database", "etlq_cli") == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "note: no --contracts given and no testdata/contracts/ here: quality gate skipped"
    )


def test_the_endpoint_is_set_for_the_run_only(db, raw_bucket, land_day, moto_endpoint, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    land_day(D1)
    code = etlq_etl(
        "--run-date", D1, "--url", db, "--bucket", raw_bucket, "--aws-endpoint", moto_endpoint, "--no-gate"
    )
    assert code == 0  # the run reached moto through --aws-endpoint
    assert "AWS_ENDPOINT_URL" not in os.environ
