"""`etlq demo` end to end: two run dates through the real ETL, the suites read-only against the
loaded database, the Allure HTML report; exit 0 on clean data and 1 when a contract rule fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from fixtures.cli import Etlq

PROJECT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not (PROJECT / ".tools/node_modules/.bin/allure").exists() and shutil.which("allure") is None,
    reason="the Allure command line is not installed (make allure)",
)


def _statuses(results: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in results.glob("*-result.json"):
        status = json.loads(path.read_text())["status"]
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_demo_on_clean_data_passes_and_writes_the_report(etlq: Etlq, tmp_path: Path) -> None:
    results, report = tmp_path / "results", tmp_path / "report"
    code, out, err = etlq(
        "demo",
        "--rows",
        "200",
        "--run-date",
        "2026-11-20",
        "--results",
        str(results),
        "--report",
        str(report),
    )
    assert (code, err) == (0, "")
    assert "etl 2026-11-19: ingest succeeded" in out and "etl 2026-11-20: ingest succeeded" in out
    statuses = _statuses(results)
    assert set(statuses) == {"passed"} and statuses["passed"] > 150  # every contract check, and more
    assert f"checks : {statuses['passed']} passed" in out
    assert (report / "index.html").is_file()
    assert f"report : {(report / 'index.html').resolve()}" in out


def test_demo_exits_1_when_a_contract_rule_fails(etlq: Etlq, tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    shutil.copytree(PROJECT / "testdata" / "contracts", contracts)
    fact = contracts / "gold" / "fact_orders.yml"
    text = fact.read_text()
    assert "row_count: {min: 1}" in text
    fact.write_text(text.replace("row_count: {min: 1}", "row_count: {min: 1, max: 1}", 1))
    results = tmp_path / "results"
    code, out, _ = etlq(
        "demo", "--rows", "200", "--contracts", str(contracts), "--results", str(results),
        "--report", str(tmp_path / "report"),
    )  # fmt: skip
    assert code == 1
    assert "etlq demo: FAILED" in out
    failed = [
        json.loads(p.read_text())["name"]
        for p in results.glob("*-result.json")
        if json.loads(p.read_text())["status"] == "failed"
    ]
    assert failed == ["gold.fact_orders::row_count"]
