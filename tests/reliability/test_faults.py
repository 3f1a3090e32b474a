"""A connection killed during each step of the ETL: data unchanged, the run recorded as failed
with the reason, and a rerun converging to a clean run's checksums (issue 11, part 5)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from etl_support import D1, D2, NEW_ORDER, execute
from faults import kill_when, snapshot, terminate

from etl import aws, pipeline
from fixtures.database import query

SUITES = [
    {
        "name": "silver.orders gate",
        "meta": {"table": "silver.orders"},
        "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "order_id"}}],
    }
]
DAY2 = {"orders": (NEW_ORDER,), "fx_rates": ("2026-11-19,EUR,1.10",)}


def _jobs(db: str, bucket: str, day: str) -> dict[str, Callable[[], Any]]:
    run_date = pipeline.as_run_date(day)
    return {
        "ingest": lambda: pipeline.run_ingest(db, run_date, bucket=bucket),
        "silver": lambda: pipeline.run_silver(db, run_date),
        "quality_gate": lambda: pipeline.run_gate(db, run_date, SUITES, bucket=bucket),
        "gold": lambda: pipeline.run_gold(db, run_date, glue_database=None),
    }


def _reset(db: str) -> None:
    execute(db, "DROP SCHEMA IF EXISTS audit, staging, silver, gold CASCADE")


@pytest.fixture
def clean_checksums(db: str, land_day: Any, run_etl: Any) -> dict[str, Any]:
    """D1 then D2 run cleanly (without suites: the gate only reads); the database is then emptied
    and D1 run again."""
    land_day(D1)
    land_day(D2, **DAY2)
    run_etl(D1)
    run_etl(D2)
    clean = snapshot(db)
    _reset(db)
    run_etl(D1)
    return clean


def _copy_then_kill(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill the backend while it is inside COPY ... FROM STDIN (the file half sent)."""
    real = aws.iter_chunks

    def chunks(s3: Any, file: Any) -> Iterator[bytes]:
        for i, chunk in enumerate(real(s3, file)):
            if i == 0 and "orders" in file.key:
                yield chunk
                assert terminate(db, "application_name = 'etlq-etl' AND query LIKE 'COPY%%'")
                continue
            yield chunk

    monkeypatch.setattr(aws, "iter_chunks", chunks)


WAITS = "wait_event_type = 'Lock'"
# step -> (job, which backend to kill, table locked meanwhile; None = during COPY)
STEPS = {
    "copy": ("ingest", "", None),
    "typing": ("ingest", WAITS, "staging.orders"),
    "silver": ("silver", WAITS, "silver.orders"),
    # the gate job's own connection, while GX validates on its own
    "gate": ("quality_gate", "application_name = 'etlq-etl' AND query LIKE 'SELECT t FROM unnest%%'", None),
    "gold": ("gold", WAITS, "gold.fact_orders"),
}


@pytest.mark.parametrize("step", STEPS)
def test_killed_connection_changes_nothing_is_recorded_and_a_rerun_converges(
    step: str, db: str, raw_bucket: str, clean_checksums: dict[str, Any], run_etl: Any, monkeypatch: Any
) -> None:
    job, where, table = STEPS[step]
    jobs = _jobs(db, raw_bucket, D2)
    for earlier in list(jobs)[: list(jobs).index(job)]:
        jobs[earlier]()
    before = snapshot(db)
    if not where:
        _copy_then_kill(db, monkeypatch)
        with pytest.raises(Exception):  # noqa: B017 - what the driver raises on a dead connection varies
            jobs[job]()
        monkeypatch.undo()
    else:
        assert kill_when(db, where, jobs[job], lock=table) is not None
    assert snapshot(db) == before
    [(status, error, finished)] = query(
        db,
        "SELECT status, error, finished_at IS NOT NULL FROM audit.job_runs"
        " WHERE job = %s AND run_date = %s ORDER BY run_id DESC LIMIT 1",
        (job, D2),
    )
    assert (status, finished) == ("failed", True)
    assert "terminat" in error or "closed" in error, error

    run_etl(D2)  # the gate only reads: a rerun without suites converges the same
    assert snapshot(db) == clean_checksums
    assert query(db, "SELECT count(*) FROM audit.job_runs WHERE status = 'running'") == [(0,)]
