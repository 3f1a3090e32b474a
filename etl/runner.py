"""One job run: audit row, advisory lock, ONE transaction, success or recorded failure.

A job body gets an open connection (inside its transaction) and the run id, does all its
writes through that connection and returns its counts. The body never commits; the runner
commits once at the end, together with the 'succeeded' audit row, or rolls everything back.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg2
import psycopg2.extensions

from etl import db
from etl.errors import EtlError

_ERROR_LIMIT = 4000


@dataclass
class Counts:
    """What a job body reports. ``details`` goes to ``audit.job_runs.details`` (JSON)."""

    rows_in: int = 0
    rows_out: int = 0
    rows_rejected: int = 0
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobResult:
    job: str  # ingest | silver | quality_gate | gold
    run_date: date
    status: str  # succeeded | skipped (failures raise)
    run_id: int
    rows_in: int
    rows_out: int
    rows_rejected: int
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "run_date": self.run_date.isoformat(),
            "status": self.status,
            "run_id": self.run_id,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_rejected": self.rows_rejected,
            "seconds": round(self.seconds, 3),
            "details": self.details,
        }


JobBody = Callable[[db.Connection, int], Counts]


def _start(conn: db.Connection, job: str, run_date: date, status: str, details: dict[str, Any]) -> int:
    with conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO audit.job_runs (job, run_date, status, details)"
            " VALUES (%s, %s, %s, %s) RETURNING run_id",
            (job, run_date, status, json.dumps(details, default=str)),
        )
        return int(cur.fetchone()[0])


def _finish(cur: Any, run_id: int, status: str, counts: Counts, error: str | None = None) -> None:
    cur.execute(
        "UPDATE audit.job_runs SET status = %s, rows_in = %s, rows_out = %s, rows_rejected = %s,"
        " finished_at = clock_timestamp(), error = %s, details = details || %s::jsonb WHERE run_id = %s",
        (
            status,
            counts.rows_in,
            counts.rows_out,
            counts.rows_rejected,
            error,
            json.dumps(counts.details, default=str),
            run_id,
        ),
    )


def _record_failure(database_url: str, run_id: int, exc: BaseException) -> None:
    """Mark the run failed on a FRESH connection: the job's own may be the one that died
    (a killed backend, a dropped network), and its transaction is rolled back either way."""
    error = db.redact(f"{type(exc).__name__}: {exc}")[:_ERROR_LIMIT]
    try:
        conn = db.connect(database_url)
    except EtlError as connect_exc:
        print(f"etl: could not record failure of run {run_id}: {connect_exc}", file=sys.stderr)
        return
    try:
        with conn, conn.cursor() as cur:
            _finish(
                cur, run_id, "failed", Counts(details=exc.details if isinstance(exc, EtlError) else {}), error
            )
    except psycopg2.Error as record_exc:
        # The original error is the one to raise; losing the audit row must not hide it.
        reason = db.redact(str(record_exc).strip())
        print(f"etl: could not record failure of run {run_id}: {reason}", file=sys.stderr)
    finally:
        conn.close()


def run_job(database_url: str, job: str, run_date: date, body: JobBody, details: dict[str, Any]) -> JobResult:
    """Run ``body`` in one transaction under the job's advisory lock; see the module docstring."""
    conn = db.connect(database_url)
    try:
        db.ensure_schema(conn)
        # Session lock: runs of the same job serialize (a second run of the same date waits,
        # then replaces that date's rows: never a double load), so silver run_ids increase in
        # commit order and gold's watermark never skips a run that commits late.
        db.session_lock(conn, job, f"another {job} run is in progress")
        # One snapshot for the whole job: a concurrent ingest commit cannot be half-seen, and
        # gold's watermark covers exactly the rows it read. Writers of a job's targets are
        # serialized by the lock above, so this raises no serialization failures.
        conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ)
        run_id = _start(conn, job, run_date, "running", details)
        started = time.perf_counter()
        try:
            counts = body(conn, run_id)
            with conn.cursor() as cur:
                _finish(cur, run_id, "succeeded", counts)
            conn.commit()
        except BaseException as exc:
            with contextlib.suppress(psycopg2.Error):
                conn.rollback()  # releases nothing it should keep; fails harmlessly if the connection died
            _record_failure(database_url, run_id, exc)
            raise
        return JobResult(
            job,
            run_date,
            "succeeded",
            run_id,
            counts.rows_in,
            counts.rows_out,
            counts.rows_rejected,
            time.perf_counter() - started,
            counts.details,
        )
    finally:
        conn.close()


def record_skipped(database_url: str, job: str, run_date: date, reason: str) -> JobResult:
    """A job that deliberately did not run (the gate without suites) still leaves an audit row."""
    conn = db.connect(database_url)
    try:
        db.ensure_schema(conn)
        run_id = _start(conn, job, run_date, "running", {"skipped": reason})
        with conn, conn.cursor() as cur:
            _finish(cur, run_id, "skipped", Counts())
        return JobResult(job, run_date, "skipped", run_id, 0, 0, 0, 0.0, {"skipped": reason})
    finally:
        conn.close()
