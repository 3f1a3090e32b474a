"""The report counts right: two runs into one results folder count each test once, every check
has its own testCaseId and full name, and the Environment and Executor panels are filled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import deployed_args, outcomes

from etlq.report import generate_report

pytest_plugins = ["pytester"]

CI = {
    "GITHUB_ACTIONS": "true", "GITHUB_WORKFLOW": "nightly-regression", "GITHUB_RUN_NUMBER": "41",
    "GITHUB_RUN_ID": "9001", "GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "acme/etlq",
}  # fmt: skip


def test_two_runs_count_once_with_distinct_ids_environment_and_executor(
    pytester: pytest.Pytester,
    shop_url: str,
    shop_contracts: Path,
    check_module: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    results = pytester.path / "allure-results"
    args = deployed_args(shop_url, shop_contracts, f"--alluredir={results}", "--etlq-run-date=2026-11-30")
    first = outcomes(pytester.runpytest_subprocess(*args))  # allure-python: one registry per process
    second = outcomes(pytester.runpytest_subprocess(*args))
    assert first == second and sum(first.values()) > 3
    tests = sum(first.values())
    files = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    assert len(files) == 2 * tests  # both runs' files are there ...

    for name, value in CI.items():
        monkeypatch.setenv(name, value)
    summary = generate_report(results, tmp_path / "report")

    assert sum(summary.statuses.values()) == tests  # ... and each test counts once
    checks = [r for r in files if r["name"].startswith("shop.orders::")]
    ids = {r["name"]: r["testCaseId"] for r in checks}
    assert len(ids) == len({r["name"] for r in checks}) and len(set(ids.values())) == len(ids)
    names = {r["fullName"] for r in checks}
    assert f"test_contracts#test_contract[{sorted(ids)[0]}]" in names and len(names) == len(ids)
    assert all(r["titlePath"] == ["test_contracts.py"] for r in checks)

    environment = dict(
        line.split("=", 1) for line in (results / "environment.properties").read_text().splitlines()
    )
    assert environment["database.server"].startswith("PostgreSQL 1")
    assert environment["database.target"].endswith(shop_url.rsplit("/", 1)[1])
    assert (environment["etlq.mode"], environment["run.date"]) == ("deployed", "2026-11-30")
    assert environment["etlq.version"] and environment["git.revision"] and environment["report.date"]
    assert json.loads((results / "executor.json").read_text()) == {
        "name": "GitHub Actions", "type": "github", "buildName": "nightly-regression #41", "buildOrder": "41",
        "buildUrl": "https://github.example/acme/etlq/actions/runs/9001",
        "reportUrl": "https://github.example/acme/etlq/actions/runs/9001#artifacts",
    }  # fmt: skip
