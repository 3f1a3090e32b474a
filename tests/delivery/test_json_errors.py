"""Under ``--format json`` every reporting command prints its error as one JSON object on stdout
(``{"error": {"message", "where", "fixes"}}``), exits 2 and writes nothing to stderr — for a bad
URL, a missing folder and a malformed contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Port 1 on loopback refuses at once: a bad URL without waiting for a timeout.
BAD_DB = "postgresql://qa:s3cret@127.0.0.1:1/warehouse"
BAD_AWS = "http://127.0.0.1:1"
MISSING = "no/such/folder"
MALFORMED = "contracts"  # tmp_path / contracts / sales / orders.yml, not valid YAML
GOOD = "good"  # tmp_path / good / sales / orders.yml, valid: the bad URL is what fails

BAD_URL = {
    "check": ["check", "--url", BAD_DB, "--contracts", GOOD],
    "drift": ["drift", "--url", BAD_DB, "--contracts", GOOD],
    "contract init": ["contract", "init", "--url", BAD_DB, "--schema", "sales", "--out", "out"],
    "sanitize": ["sanitize", "--source-url", BAD_DB, "--root", "s.t", "--fraction", "0.1", "--out", "o"],
    "etl run": ["etl", "run", "--run-date", "2026-11-20", "--url", BAD_DB, "--no-gate"],
    "publish": ["publish", "--report", "check.json", "--bucket", "b", "--aws-endpoint", BAD_AWS],
    "generate": ["generate", "--rows=9", "--out", "s3://r", "--contracts", GOOD, "--aws-endpoint", BAD_AWS],
}  # fmt: skip
MISSING_FOLDER = {
    "check": ["check", "--url", BAD_DB, "--contracts", MISSING],
    "drift": ["drift", "--url", BAD_DB, "--contracts", MISSING],
    "contract validate": ["contract", "validate", "--contracts", MISSING],
    "export dqdl": ["export", "dqdl", "--contracts", MISSING],
    "export gx": ["export", "gx", "--contracts", MISSING],
    "generate": ["generate", "--rows", "10", "--out", "out", "--contracts", MISSING],
    "sanitize": [
        "sanitize",
        "--source-url",
        BAD_DB,
        "--root",
        "s.t",
        "--fraction",
        "0.1",
        "--contracts",
        MISSING,
    ],
    "etl run": ["etl", "run", "--run-date", "2026-11-20", "--url", BAD_DB, "--contracts", MISSING],
    "report": ["report", "--results", MISSING],
    "publish": ["publish", "--report", f"{MISSING}/check.json"],
}
MALFORMED_CONTRACT = {
    name: [MALFORMED if arg == MISSING else arg for arg in argv]
    for name, argv in MISSING_FOLDER.items()
    if "--contracts" in argv
}
CASES = [
    *[pytest.param(argv, "bad url", id=f"{name}-bad-url") for name, argv in BAD_URL.items()],
    *[pytest.param(argv, "missing", id=f"{name}-missing-folder") for name, argv in MISSING_FOLDER.items()],
    *[pytest.param(argv, "malformed", id=f"{name}-malformed") for name, argv in MALFORMED_CONTRACT.items()],
]  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder outside any checkout, with a malformed contract and a valid check report."""
    contract = tmp_path / MALFORMED / "sales" / "orders.yml"
    contract.parent.mkdir(parents=True)
    contract.write_text("table: sales.orders\ncolumns:\n  id: {type: integer\n")
    good = tmp_path / GOOD / "sales" / "orders.yml"
    good.parent.mkdir(parents=True)
    good.write_text(
        "table: sales.orders\nraw: {source: orders}\ncolumns:\n  id: {type: integer, nullable: false}\n"
    )
    check = {"id": "sales.orders::not_null[id]", "table": "sales.orders", "outcome": "failed", "failing": 1}
    (tmp_path / "check.json").write_text(json.dumps({"checks": [check], "summary": {"total": 1}}))
    monkeypatch.setenv("ETLQ_MASK_KEY", "a-test-masking-key-of-some-length")
    monkeypatch.chdir(tmp_path)
    for name in ("ETLQ_DATABASE_URL", "ETLQ_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    return tmp_path


@pytest.mark.parametrize(("argv", "kind"), CASES)
def test_errors_are_json_on_stdout(workdir: Path, etlq, argv: list[str], kind: str) -> None:
    code, out, err = etlq(*argv, "--format", "json")

    assert (code, err) == (2, "")
    error = json.loads(out)["error"]
    assert sorted(error) == ["exit_code", "fixes", "message", "where"]
    assert error["exit_code"] == 2 and error["fixes"] and all(isinstance(f, str) for f in error["fixes"])
    assert "s3cret" not in out  # the password never shows
    where, message = error["where"], error["message"]
    if kind == "bad url":
        assert "127.0.0.1:1" in where, error
    elif kind == "missing":
        assert MISSING in where and MISSING in message, error
    else:
        assert where.startswith(f"{MALFORMED}/sales/orders.yml:"), error


def test_text_errors_stay_one_line_on_stderr(workdir: Path, etlq) -> None:
    code, out, err = etlq("check", "--url", BAD_DB, "--contracts", GOOD)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("etlq: error: cannot connect to the database at ")


def test_a_usage_error_is_json_too(workdir: Path, etlq) -> None:
    code, out, err = etlq("check", "--sample-limit", "many", "--format", "json")
    assert (code, err) == (2, "")
    assert json.loads(out)["error"] == {
        "message": "argument --sample-limit: invalid int value: 'many'",
        "where": "etlq check",
        "fixes": ["see `etlq check --help`"],
        "exit_code": 2,
    }


def test_a_wrong_login_is_not_fixed_by_env_up(workdir: Path, etlq, database_url: str) -> None:
    from sqlalchemy.engine import make_url

    wrong = make_url(database_url).set(username="no_such_role", password="s3cret")
    code, out, _ = etlq(
        "check", "--url", wrong.render_as_string(hide_password=False), "--contracts", GOOD, "--format", "json"
    )
    error = json.loads(out)["error"]
    assert code == 2 and 'role "no_such_role" does not exist' in error["message"]
    assert error["fixes"] == ["check the user name and password in --url"]


def test_an_unreachable_url_from_the_environment_names_the_variable(
    workdir: Path, etlq, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ETLQ_DATABASE_URL", BAD_DB)
    code, out, _ = etlq("drift", "--contracts", GOOD, "--format", "json")
    assert code == 2
    assert json.loads(out)["error"]["fixes"] == [
        "check the host and port in ETLQ_DATABASE_URL and that the server accepts connections from here"
    ]
