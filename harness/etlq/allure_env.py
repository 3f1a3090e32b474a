"""The Allure report's Environment and Executor panels: what was tested, with what, by whom.

The pytest plugin writes ``environment.properties`` into the results folder (target database,
its server version, mode, run date); ``etlq report`` adds the etlq version, git revision and
report date, and ``executor.json`` with the CI build's name and URL when it runs in CI.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from etlq.export.files import write_atomic

if TYPE_CHECKING:
    from sqlalchemy import Engine

PROPERTIES = "environment.properties"


def etlq_version() -> str:
    try:
        return metadata.version("etlq")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_revision(folder: Path | None = None) -> str:
    """The checkout's commit (``+dirty`` with local changes), or ``unknown`` outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=folder, capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder, capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def read_properties(results_dir: Path) -> dict[str, str]:
    path = results_dir / PROPERTIES
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def write_properties(results_dir: Path, values: Mapping[str, str], *, keep_existing: bool = False) -> None:
    """Merge ``values`` into ``environment.properties`` (existing keys win with ``keep_existing``)."""
    merged = read_properties(results_dir)
    for key, value in values.items():
        if not (keep_existing and key in merged):
            merged[key] = " ".join(str(value).split())  # one line per key
    results_dir.mkdir(parents=True, exist_ok=True)
    # xdist workers write the same file at once: each through its own temporary name
    tmp = results_dir / f".{PROPERTIES}.{os.getpid()}.tmp"
    tmp.write_text("".join(f"{k}={v}\n" for k, v in sorted(merged.items())), encoding="utf-8")
    os.replace(tmp, results_dir / PROPERTIES)


def database_properties(engine: Engine, target: str) -> dict[str, str]:
    """What the suites ran against: ``target`` and the server's version (asked with a timeout)."""
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar())
    except Exception as exc:  # the panel says so; the tests themselves report the connection problem
        version = f"unknown ({type(exc).__name__})"
    return {"database.target": target, "database.server": f"PostgreSQL {version}"}


def report_properties() -> dict[str, str]:
    return {
        "etlq.version": etlq_version(),
        "git.revision": git_revision(),
        "report.date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def executor(environ: Mapping[str, str] = os.environ) -> dict[str, object] | None:
    """Allure's executor.json for the CI build running this (GitHub Actions, GitLab CI, Jenkins)."""
    if environ.get("GITHUB_ACTIONS") == "true":
        run = environ.get("GITHUB_RUN_ID", "")
        repo = f"{environ.get('GITHUB_SERVER_URL', '')}/{environ.get('GITHUB_REPOSITORY', '')}"
        url = f"{repo}/actions/runs/{run}"
        number = environ.get("GITHUB_RUN_NUMBER", run)
        return {
            "name": "GitHub Actions", "type": "github",
            "buildName": f"{environ.get('GITHUB_WORKFLOW', 'workflow')} #{number}",
            "buildOrder": number, "buildUrl": url, "reportUrl": f"{url}#artifacts",
        }  # fmt: skip
    if environ.get("GITLAB_CI") == "true":
        return {
            "name": "GitLab CI", "type": "gitlab",
            "buildName": f"{environ.get('CI_JOB_NAME', 'job')} #{environ.get('CI_JOB_ID', '')}",
            "buildOrder": environ.get("CI_PIPELINE_IID"), "buildUrl": environ.get("CI_JOB_URL"),
        }  # fmt: skip
    if environ.get("BUILD_URL") and environ.get("JOB_NAME"):
        return {
            "name": "Jenkins", "type": "jenkins",
            "buildName": f"{environ['JOB_NAME']} #{environ.get('BUILD_NUMBER', '')}",
            "buildOrder": environ.get("BUILD_NUMBER"), "buildUrl": environ["BUILD_URL"],
        }  # fmt: skip
    if environ.get("CI"):
        return {"name": "CI", "type": "ci", "buildName": environ.get("CI_BUILD_NAME", "CI build")}
    return None


def write_executor(results_dir: Path, environ: Mapping[str, str] = os.environ) -> dict[str, object] | None:
    found = executor(environ)
    if found is not None:
        write_atomic(results_dir / "executor.json", json.dumps(found, indent=2))
    return found
