"""A Secrets Manager secret that is missing or malformed stops a Glue job before it touches the
database: exit 2, one line naming the secret and what is wrong, never the password in it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from etl_support import D1

from etl.jobs.entry import main

PASSWORD = "S3cretPW-in-the-secret"
CASES = {
    "not JSON": (
        "{host: db, password: " + PASSWORD,
        "is not a JSON object (fix: store the RDS secret JSON format)",
    ),
    "a JSON list": (json.dumps(["postgres", PASSWORD]), "is not a JSON object"),
    "no host or username": (json.dumps({"password": PASSWORD}), "lacks host, username"),
    "no password key": (json.dumps({"host": "db.example", "username": "etl"}), "lacks password"),
    "another engine": (
        json.dumps({"engine": "mysql", "host": "db", "username": "u", "password": PASSWORD}),
        "is for engine 'mysql', not postgres",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_malformed_secret_exits_2_in_one_line_without_its_password(
    case: str, moto_endpoint: str, capsys: Any
) -> None:
    secret_string, expected = CASES[case]
    secret_id = f"etlq/bad-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(Name=secret_id, SecretString=secret_string)
    code = main("silver", ["silver.py", "--JOB_NAME", "j", "--run_date", D1, "--db_secret_id", secret_id])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"etl silver: error: secret {secret_id!r} ") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert PASSWORD not in out + err
