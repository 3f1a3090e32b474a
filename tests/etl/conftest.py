"""Fixtures for the ETL tests: a database of this worker with the ETL schemas dropped before each
test, raw files landed in the moto server's S3, and the pipeline bound to both."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import boto3
import pytest
from etl_support import DAY, csv_text, execute

from etl import pipeline
from etl.runner import JobResult


@pytest.fixture(scope="session")
def etl_database(pg_server: Any) -> Iterator[str]:
    """One database for the ETL tests of this worker (creating one per test costs ~1 s)."""
    name = f"etlq_etl_{uuid.uuid4().hex[:8]}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def db(etl_database: str) -> str:
    """The ETL database with none of the ETL's schemas: each job recreates them (etl/sql/ddl)."""
    execute(etl_database, "DROP SCHEMA IF EXISTS audit, staging, silver, gold CASCADE")
    return etl_database


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    return boto3.client("s3")  # AWS_ENDPOINT_URL (set by moto_endpoint) points it at moto


Land = Callable[..., str]


@pytest.fixture
def land(raw_bucket: str, s3: Any) -> Land:
    """``land(source, run_date, rows, name=...)``: put a raw CSV file; returns its s3:// URI."""

    def put(source: str, run_date: str, rows: Sequence[str] | str | bytes, name: str = "part-0.csv") -> str:
        key = f"raw/{source}/run_date={run_date}/{name}"
        body = rows if isinstance(rows, (str, bytes)) else csv_text(source, rows)
        s3.put_object(
            Bucket=raw_bucket, Key=key, Body=body.encode("utf-8") if isinstance(body, str) else body
        )
        return f"s3://{raw_bucket}/{key}"

    return put


@pytest.fixture
def land_day(land: Land) -> Callable[..., None]:
    """Land all three sources for a run date: the canonical day, with any source replaced."""

    def put(run_date: str, **sources: Sequence[str]) -> None:
        for source, rows in {**DAY, **sources}.items():
            land(source, run_date, rows)

    return put


@pytest.fixture
def run_etl(db: str, raw_bucket: str) -> Callable[..., list[JobResult]]:
    def run(run_date: str, **kwargs: Any) -> list[JobResult]:
        kwargs.setdefault("glue_database", None)
        return pipeline.run(run_date, raw_bucket=raw_bucket, database_url=db, **kwargs)

    return run
