"""The ETL as a Python API: ingest -> silver -> quality gate -> gold, each job one transaction.

The Glue job scripts (``etl/jobs/``) call the same ``run_*`` functions one at a time.
"""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any

from etl import aws
from etl.errors import EtlError, EtlInputError
from etl.gold import gold
from etl.ingest import ingest
from etl.quality import Expectations, load_suites, quality_gate
from etl.runner import JobResult, record_skipped, run_job
from etl.silver import silver

__all__ = [
    "JobResult",
    "as_run_date",
    "resolve_database_url",
    "run",
    "run_gate",
    "run_gold",
    "run_ingest",
    "run_silver",
]


def as_run_date(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise EtlInputError(f"run date {value!r} is not a date", "pass it as YYYY-MM-DD, e.g. 2026-11-20")


def resolve_database_url(database_url: str | None, db_secret_id: str | None) -> str:
    """An explicit URL wins; else the RDS secret in Secrets Manager."""
    if database_url:
        return database_url
    if db_secret_id:
        return aws.database_url_from_secret(db_secret_id)
    raise EtlInputError(
        "no database given",
        "pass --db_secret_id with the Secrets Manager id of the RDS secret",
        "pass --database_url postgresql://user:password@host:port/dbname",
    )


def run_ingest(database_url: str, run_date: date, *, bucket: str, s3: Any | None = None) -> JobResult:
    body = partial(ingest, run_date=run_date, bucket=bucket, s3=s3 or aws.client("s3"))
    return run_job(database_url, "ingest", run_date, body, {"bucket": bucket})


def run_silver(database_url: str, run_date: date) -> JobResult:
    return run_job(database_url, "silver", run_date, partial(silver, run_date=run_date), {})


def run_gate(
    database_url: str, run_date: date, suites: list[dict[str, Any]], *, bucket: str, s3: Any | None = None
) -> JobResult:
    if not suites:
        return record_skipped(database_url, "quality_gate", run_date, "no expectation suites given")
    body = partial(
        quality_gate,
        database_url=database_url,
        suites=suites,
        s3=s3 or aws.client("s3"),
        bucket=bucket,
        run_date=run_date,
    )
    return run_job(database_url, "quality_gate", run_date, body, {"suites": len(suites)})


def run_gold(database_url: str, run_date: date, *, glue_database: str | None = "etlq") -> JobResult:
    glue = aws.client("glue") if glue_database else None
    body = partial(gold, glue=glue, glue_database=glue_database or "")
    return run_job(database_url, "gold", run_date, body, {"glue_database": glue_database})


def run(
    run_date: date | str,
    *,
    raw_bucket: str,
    database_url: str | None = None,
    db_secret_id: str | None = None,
    expectations: Expectations = None,
    glue_database: str | None = "etlq",
) -> list[JobResult]:
    """Run the whole pipeline for one run date; raises ``EtlInputError`` or ``QualityGateFailed``.

    ``expectations``: GX suite dicts, a JSON file or directory, or an ``s3://`` prefix; None
    skips the gate (recorded in ``audit.job_runs``). ``glue_database=None`` skips the catalog.
    On failure the raised error's ``results`` holds the jobs that finished before it.
    """
    day = as_run_date(run_date)
    url = resolve_database_url(database_url, db_secret_id)
    s3 = aws.client("s3")
    suites = load_suites(expectations, s3)  # a bad suite path fails before any job runs
    results: list[JobResult] = []
    try:
        results.append(run_ingest(url, day, bucket=raw_bucket, s3=s3))
        results.append(run_silver(url, day))
        results.append(run_gate(url, day, suites, bucket=raw_bucket, s3=s3))
        results.append(run_gold(url, day, glue_database=glue_database))
    except EtlError as exc:
        exc.results = results
        raise
    return results
