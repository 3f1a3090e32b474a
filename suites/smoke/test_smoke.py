"""Smoke: every deploy, read-only, under a minute. Is the warehouse there, in shape, and loaded
for the run date (``--etlq-run-date``, default today)?

Against a deployment: ``pytest suites -m smoke --etlq-url $DSN``. Without a URL the plugin
builds a local warehouse first (``--etlq-mode=local``).
"""

from __future__ import annotations

import allure
import pytest
from sqlalchemy import Engine, column, func, select, table, text

from etlq.checks.sql_engine import run_checks
from etlq.contracts import Contract
from etlq.drift.diff import diff_contracts
from etlq.pipeline import Pipeline, missing
from etlq.pytest_plugin import EtlqConfig, pipeline_under_test, present, record_warn
from etlq.verdicts import blocking
from etlq.verdicts.runs import job_succeeded, latest_runs, loaded_by_pipeline
from etlq.verdicts.text import failure_text
from etlq.warehouse import Warehouse

pytestmark = [pytest.mark.smoke, allure.epic("smoke: the deploy gate")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One item per job of the pipeline under test (its ``jobs``); the gate has its own test."""
    if "job" not in metafunc.fixturenames:
        return
    found = pipeline_under_test(metafunc.config)
    pipeline = found.pipeline
    jobs = [job for job in pipeline.jobs if job != pipeline.gate] if pipeline else []
    why = missing(found, "checking job runs")  # says how to register one
    metafunc.parametrize("job", jobs or [pytest.param(None, marks=pytest.mark.skip(reason=why))])


@pytest.fixture(scope="module")
def runs(etlq_warehouse: Warehouse) -> dict:
    """The latest run record of each job for the run date, from the pipeline under test; skips
    on a warehouse it does not load (or with no pipeline), where only the contract-driven tests apply."""
    present(loaded_by_pipeline(etlq_warehouse))
    return latest_runs(etlq_warehouse, etlq_warehouse.run_date)


def test_database_answers(etlq_engine: Engine) -> None:
    with etlq_engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.drift
def test_no_breaking_drift(etlq_engine: Engine, etlq_contracts: list[Contract]) -> None:
    report = diff_contracts(etlq_engine, etlq_contracts)
    breaking = [
        f"{table}: {c.kind} {c.column or ''} (expected {c.expected}, actual {c.actual})"
        for table, c in report.changes()
        if c.breaking
    ]
    if breaking:
        pytest.fail(f"{len(breaking)} breaking schema change(s):\n  " + "\n  ".join(breaking), pytrace=False)


@pytest.mark.completeness
def test_run_succeeded(job: str, runs: dict, etlq_warehouse: Warehouse) -> None:
    present(job_succeeded(runs, job, etlq_warehouse.run_date))


@pytest.mark.quality
def test_quality_gate_recorded(runs: dict, etlq_config: EtlqConfig, etlq_pipeline: Pipeline) -> None:
    gate = etlq_pipeline.gate
    if gate is None:
        pytest.skip(f"pipeline {etlq_pipeline.name!r} has no quality gate (its gate is None)")
    present(job_succeeded(runs, gate, etlq_config.run_date))
    results = (runs[gate].get("details") or {}).get("results") or {}
    assert results, f"{gate} for {etlq_config.run_date} succeeded but recorded no validation results"


@pytest.mark.completeness
def test_rows_loaded_for_run_date(
    etlq_engine: Engine, etlq_contracts: list[Contract], etlq_config: EtlqConfig
) -> None:
    staged = [c for c in etlq_contracts if c.raw_source is not None]
    if not staged:
        pytest.skip(
            "no contract names a raw source (`raw: {source: ...}`), so no table is loaded per run date"
        )
    counts = {}
    with etlq_engine.connect() as conn:
        for contract in staged:
            staging = table(contract.name, column("run_date"), schema=contract.schema)
            rows = select(func.count()).select_from(staging).where(staging.c.run_date == etlq_config.run_date)
            counts[contract.table] = conn.execute(rows).scalar_one()
    empty = sorted(table for table, n in counts.items() if n == 0)
    assert not empty, f"no rows for run date {etlq_config.run_date} in {', '.join(empty)} (counts: {counts})"


@pytest.mark.completeness
def test_tables_fresh(
    request: pytest.FixtureRequest, etlq_engine: Engine, etlq_contracts: list[Contract]
) -> None:
    """Freshness as the contracts declare it: a stale warn-severity table is reported as WARN."""
    run = run_checks(etlq_engine, etlq_contracts, select="*::freshness[*]")
    if not run.results:
        pytest.skip("no contract declares a freshness check (`checks: {freshness: {column, max_age}}`)")
    stale = [r for r in run.results if not r.passed]
    failing = blocking(stale)
    assert not failing, "\n\n".join(failure_text(r) for r in failing)
    if stale:
        record_warn(request.node, "\n\n".join(failure_text(r) for r in stale))
