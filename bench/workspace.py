"""The place the database measurements run: a fresh database and bucket on the local services,
raw files generated from the contracts into the bucket, and the ETL's own ingest job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine

from etl import aws
from etl.ingest import ingest
from etl.runner import JobResult, run_job
from etl.sources import ORDERS
from etlq.contracts import Contract, load_contracts
from etlq.datagen.run import GenerateOptions, generate
from etlq.local import LocalServices

CONTRACTS = Path(__file__).resolve().parent.parent / "testdata" / "contracts"
RUN_DATE = dt.date(2025, 1, 15)  # fixed, with the seed, so every run measures the same bytes
SEED = 1


def contracts() -> list[Contract]:
    return load_contracts(CONTRACTS)


@dataclass(frozen=True)
class Workspace:
    url: str
    engine: Engine
    bucket: str
    s3: Any


@contextlib.contextmanager
def workspace(services: LocalServices, label: str) -> Iterator[Workspace]:
    """A new database and bucket; the database is dropped afterwards."""
    name, url = services.new_database(f"bench_{label}")
    engine = create_engine(url)
    s3 = aws.client("s3")  # local_services() points boto3 at the moto server
    bucket = f"etlq-bench-{label}-{uuid.uuid4().hex[:6]}"
    s3.create_bucket(Bucket=bucket)
    try:
        yield Workspace(url, engine, bucket, s3)
    finally:
        engine.dispose()
        services.pg.drop_database(name)


def land_raw(space: Workspace, rows: int, defects: float, bucket: str | None = None) -> aws.RawFile:
    """Generated raw files of every source for ``RUN_DATE`` in the bucket (the workspace's unless
    ``bucket`` names another, created here); returns the orders file."""
    bucket = bucket or space.bucket
    if bucket != space.bucket:
        space.s3.create_bucket(Bucket=bucket)
    options = GenerateOptions(out=f"s3://{bucket}", rows=rows, seed=SEED, run_date=RUN_DATE, defects=defects)
    generate(contracts(), options)
    [orders] = aws.list_raw_files(space.s3, bucket, ORDERS.name, RUN_DATE)
    return orders


def ingest_orders(space: Workspace) -> JobResult:
    """The ETL's ingest job for the orders source alone: one transaction, audit row, quarantine."""
    body = partial(ingest, run_date=RUN_DATE, bucket=space.bucket, s3=space.s3, sources=(ORDERS,))
    return run_job(space.url, "ingest", RUN_DATE, body, {"bucket": space.bucket})


def server_version(space: Workspace) -> str:
    with space.engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW server_version").scalar())
