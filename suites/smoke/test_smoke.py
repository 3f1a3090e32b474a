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
from etlq.pytest_plugin import EtlqConfig, record_warn
from etlq.verdicts.text import failure_text

pytestmark = [pytest.mark.smoke, allure.epic("smoke: the deploy gate")]

# The ETL's jobs in pipeline order; the quality gate has its own test below.
LOAD_JOBS = ("ingest", "silver", "gold")

LATEST_RUN = text(
    "SELECT DISTINCT ON (job) job, status, error, details FROM audit.job_runs "
    "WHERE run_date = :run_date ORDER BY job, run_id DESC"
)


@pytest.fixture(scope="module")
def latest_runs(etlq_engine: Engine, etlq_config: EtlqConfig) -> dict[str, dict]:
    """The latest audit.job_runs row of each job for the run date; skips on a warehouse that
    etl/ does not load (no audit.job_runs), where only the contract-driven tests apply."""
    with etlq_engine.connect() as conn:
        if conn.execute(text("SELECT to_regclass('audit.job_runs')")).scalar_one() is None:
            pytest.skip(
                "no audit.job_runs table: this warehouse is not loaded by etl/, so there are no runs to check"
            )
        rows = conn.execute(LATEST_RUN, {"run_date": etlq_config.run_date}).mappings()
        return {row["job"]: dict(row) for row in rows}


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
@pytest.mark.parametrize("job", LOAD_JOBS)
def test_run_succeeded(job: str, latest_runs: dict[str, dict], etlq_config: EtlqConfig) -> None:
    run = latest_runs.get(job)
    assert run is not None, f"no {job} run for {etlq_config.run_date} in audit.job_runs"
    reason = run["error"] or "no error recorded"
    assert run["status"] == "succeeded", (
        f"latest {job} run for {etlq_config.run_date} is {run['status']}: {reason}"
    )


@pytest.mark.quality
def test_quality_gate_recorded(latest_runs: dict[str, dict], etlq_config: EtlqConfig) -> None:
    gate = latest_runs.get("quality_gate")
    assert gate is not None, f"no quality_gate run for {etlq_config.run_date} in audit.job_runs"
    assert gate["status"] == "succeeded", (
        f"quality gate for {etlq_config.run_date} is {gate['status']}: "
        f"{gate['error'] or gate['details'].get('skipped') or 'no reason recorded'}"
    )
    results = gate["details"].get("results") or {}
    assert results, f"quality gate for {etlq_config.run_date} succeeded but recorded no validation results"


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
    blocking = [r for r in stale if r.severity == "error"]
    assert not blocking, "\n\n".join(failure_text(r) for r in blocking)
    if stale:
        record_warn(request.node, "\n\n".join(failure_text(r) for r in stale))
