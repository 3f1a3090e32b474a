"""A password in a database URL never leaves the process: every command that takes a URL, with
the password in a malformed and in a well-formed (unreachable) URL, via --url and via
ETLQ_DATABASE_URL, is scanned on stdout, stderr and every file it wrote (issue 11, part 3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl.jobs.entry import main as glue_job

SECRET = "S3cretPW"
URLS = {
    "bad-port": f"postgresql://user:{SECRET}@127.0.0.1:notaport/db",
    "open-bracket": f"postgresql://user:{SECRET}@[::1/db",
    "unreachable": f"postgresql://user:{SECRET}@127.0.0.1:1/db",
}
COMMANDS = {
    "check": ["check", "--contracts", "testdata/contracts"],
    "check-json": ["check", "--contracts", "testdata/contracts", "--format", "json"],
    "check-gx": ["check", "--contracts", "testdata/contracts", "--engine", "gx"],
    "drift": ["drift", "--contracts", "testdata/contracts"],
    "contract-init": ["contract", "init", "--schema", "gold"],
}


def _written(root: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
@pytest.mark.parametrize("command", COMMANDS, ids=COMMANDS.keys())
def test_a_command_never_shows_the_password(
    command: str, url: str, etlq, tmp_path: Path, monkeypatch
) -> None:
    argv = (
        [*COMMANDS[command], "--out", str(tmp_path / "out")]
        if command == "contract-init"
        else COMMANDS[command]
    )
    code, out, err = etlq(*argv, "--url", url)
    assert code == 2
    shown = out if command == "check-json" else err  # --format json: the error as JSON on stdout
    assert "user:***@" in shown
    if command != "check-json":
        assert err.startswith("etlq: error: ") and err.count("\n") == 1
    assert SECRET not in out + err + _written(tmp_path)
    monkeypatch.setenv("ETLQ_DATABASE_URL", url)
    code, out, err = etlq(*argv)
    assert (code, SECRET in out + err) == (2, False)


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_sanitize_never_shows_the_password(url: str, etlq, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ETLQ_MASK_KEY", "k" * 32)
    code, out, err = etlq(
        "sanitize",
        "--source-url",
        url,
        "--root",
        "gold.fact_orders",
        "--fraction",
        "0.5",
        "--out",
        str(tmp_path),
    )
    assert code == 2
    assert SECRET not in out + err + _written(tmp_path)


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_the_etl_job_exits_2_with_one_redacted_line(url: str, capsys) -> None:
    code = glue_job(
        "silver", ["job.py", "--JOB_NAME", "j", "--run_date", "2026-11-20", "--database_url", url]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("etl silver: error: cannot connect to PostgreSQL at postgresql://user:***@")
    assert err.count("\n") == 1 and SECRET not in err


ROOT = Path(__file__).resolve().parents[2]
FRONT_ENDS = {
    "pytest": lambda out: [
        sys.executable, "-m", "pytest", str(ROOT / "suites"), "-m", "smoke", "-p", "no:cacheprovider",
        "-n", "0", f"--alluredir={out / 'allure-results'}", f"--junitxml={out / 'junit.xml'}",
    ],
    "robot": lambda out: [
        sys.executable, "-m", "robot", "--outputdir", str(out), "--listener",
        f"allure_robotframework:{out / 'allure-results'}", str(ROOT / "robot" / "smoke.robot"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_the_suites_never_show_the_password(front_end: str, url: str, tmp_path: Path) -> None:
    """The smoke suite against a deployed URL it cannot use, from pytest and from Robot: it fails,
    and neither its output nor a report file (Allure results, JUnit XML, Robot's log) holds the
    password."""
    env = {**os.environ, "ETLQ_DATABASE_URL": url}
    done = subprocess.run(
        FRONT_ENDS[front_end](tmp_path), capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert done.returncode != 0
    written = _written(tmp_path)
    assert "user:***@" in done.stdout + done.stderr + written
    assert any((tmp_path / "allure-results").glob("*-result.json"))
    assert SECRET not in done.stdout + done.stderr + written
