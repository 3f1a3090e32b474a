"""The database the suites check, and the local environment that stands in for a deployment.

``deployed``: the database at the resolved URL, opened read-only (every transaction is
``READ ONLY``, so a suite cannot write even by mistake). ``local``: see ``etlq.local``. Both
give a ``Warehouse``, with the pipeline under test (if any) that loads it; pytest-free, so the
pytest plugin and the Robot library use the same.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import ArgumentError, OperationalError

from etlq.checks.connect import connection_failed, normalized_url
from etlq.errors import EtlqError
from etlq.pipeline import Found, find_pipeline


@dataclass(frozen=True)
class Warehouse:
    url: str
    engine: Engine
    mode: str  # local | deployed
    run_date: dt.date
    raw_bucket: str | None = None  # where the run's raw files are (local: the generated ones)
    aws_endpoint: str | None = None
    manifest: dict | None = None  # local: datagen's manifest of what was generated
    pipeline: Found = Found(None, "no pipeline given")  # the pipeline under test, if any

    @property
    def read_only(self) -> bool:
        return self.mode == "deployed"


def worker_id() -> str:
    """``gw0``, ``gw1`` … under xdist, ``main`` otherwise."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@contextlib.contextmanager
def read_only(engine: Engine) -> Iterator[Connection]:
    """A connection in a READ ONLY transaction, rolled back after: what a check or a count runs
    in, so a contract's expression cannot write even on a local warehouse."""
    with engine.connect() as conn:
        conn.execute(text("SET TRANSACTION READ ONLY"))
        yield conn
        conn.rollback()


def read_only_engine(url: str) -> Engine:
    """An engine whose every transaction is READ ONLY; raises ``ConnectionFailed`` when unreachable."""
    try:
        engine = create_engine(
            normalized_url(url), connect_args={"options": "-c default_transaction_read_only=on"}
        )
    except (ArgumentError, ValueError) as exc:
        raise EtlqError(
            f"invalid database URL {url!r}: {exc}", "use postgresql://user:pass@host:port/db"
        ) from None
    return _checked(engine)


def _checked(engine: Engine) -> Engine:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        raise connection_failed(engine, exc) from None
    return engine


@contextlib.contextmanager
def deployed_warehouse(
    url: str | None,
    run_date: dt.date,
    aws_endpoint: str | None = None,
    raw_bucket: str | None = None,
    pipeline: Found | None = None,
) -> Iterator[Warehouse]:
    """The deployed database, read-only; URL, AWS endpoint and raw bucket resolved as the CLI does
    (explicit, then ``ETLQ_*`` variables, then what ``etlq env up`` wrote); ``pipeline``: the
    pipeline under test, default the one ``find_pipeline`` finds."""
    from etlq.env.state import provisioned_aws, resolve_aws_endpoint, resolve_database_url

    resolved = resolve_database_url(url)
    engine = read_only_engine(resolved)
    try:
        yield Warehouse(
            resolved,
            engine,
            "deployed",
            run_date,
            raw_bucket or os.environ.get("ETLQ_RAW_BUCKET") or provisioned_aws().get("raw_bucket") or None,
            resolve_aws_endpoint(aws_endpoint),
            pipeline=pipeline or find_pipeline(),
        )
    finally:
        engine.dispose()
