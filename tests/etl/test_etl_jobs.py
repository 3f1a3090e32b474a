"""The Glue job scripts: Glue-style arguments, credentials from Secrets Manager, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from etl_support import D1, query
from sqlalchemy.engine import make_url

from etl.errors import EtlInputError
from etl.glue_args import resolve_options
from etl.jobs.entry import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_secret(db: str, moto_endpoint: str) -> str:
    """An RDS-style secret for the test database in the moto server's Secrets Manager."""
    url = make_url(db)
    secret_id = f"etlq/test-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(
        Name=secret_id,
        SecretString=json.dumps(
            {
                "engine": "postgres",
                "host": url.host,
                "port": url.port,
                "username": url.username,
                "password": url.password or "",
                "dbname": url.database,
            }
        ),
    )
    return secret_id


def test_glue_arguments_ignore_what_glue_adds():
    argv = [
        "job.py",
        "--JOB_NAME",
        "j",
        "--scriptLocation",
        "s3://x",
        "--run_date=2026-11-20",
        "--raw_bucket",
        "b",
        "--job-bookmark-option",
        "job-bookmark-disable",
    ]
    assert resolve_options(argv, ["JOB_NAME", "run_date", "raw_bucket"], ["db_secret_id"]) == {
        "JOB_NAME": "j",
        "run_date": "2026-11-20",
        "raw_bucket": "b",
    }
    with pytest.raises(
        EtlInputError, match=r"^missing job argument\(s\): --run_date \(fix: pass --run_date <value>\)$"
    ):
        resolve_options(["job.py", "--JOB_NAME", "j"], ["JOB_NAME", "run_date"])


def test_ingest_script_runs_with_credentials_from_secrets_manager(db, db_secret, raw_bucket, land_day):
    land_day(D1)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl.jobs.ingest",
            "--JOB_NAME",
            "ingest",
            "--run_date",
            D1,
            "--raw_bucket",
            raw_bucket,
            "--db_secret_id",
            db_secret,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
        timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"ingest {D1}: succeeded (run 1) rows in 9, out 9, rejected 0 in ")
    assert query(db, "SELECT count(*) FROM staging.orders") == [(4,)]


def test_silver_and_gold_scripts_run_in_order(db, db_secret, raw_bucket, land_day, capsys):
    land_day(D1)
    args = ["--JOB_NAME", "j", "--run_date", D1, "--db_secret_id", db_secret]
    assert main("ingest", ["ingest.py", *args, "--raw_bucket", raw_bucket]) == 0
    assert main("silver", ["silver.py", *args]) == 0
    assert main("gold", ["gold.py", *args, "--glue_database", f"etlq_{uuid.uuid4().hex[:6]}"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [f"ingest {D1}", f"silver {D1}", f"gold {D1}"]
    assert query(db, "SELECT count(*) FROM gold.fact_orders") == [(3,)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--db_secret_id", "etlq/nope"],
            "etl silver: error: secret 'etlq/nope' not found in Secrets Manager",
        ),
        (
            ["--database_url", "postgresql://u:p@127.0.0.1:1/x"],
            "etl silver: error: cannot connect to PostgreSQL at postgresql://u:***@127.0.0.1:1/x: ",
        ),
        (
            [],
            "etl silver: error: no database given (fix: pass --db_secret_id with the Secrets Manager id of "
            "the RDS secret; or pass --database_url postgresql://",
        ),
        (["--run_date", "20261120"], "etl silver: error: run date '20261120' is not a date"),
    ],
)
def test_input_errors_exit_2_with_one_line(moto_endpoint, capsys, argv, message):
    code = main("silver", ["silver.py", "--JOB_NAME", "j", "--run_date", D1, *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1 and "Traceback" not in err
