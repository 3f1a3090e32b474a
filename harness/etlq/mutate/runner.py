"""Run mutants: template databases built once, one database per worker, each mutant through the
kill suites that can see its statement until the first failure.

Templates: ``base`` (the pipeline's DDL) and ``ingested`` (``base`` plus every run date's
generated raw files ingested by the unmutated pipeline), so a mutant downstream of ingest
starts from a copy of the ingested state (``CREATE DATABASE ... TEMPLATE``) instead of re-reading
S3. Each worker owns one database, replaced by a fresh copy for every suite it runs.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from etlq import aws
from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.local import LocalServices, generate_raw
from etlq.mutate.generate import Mutant
from etlq.mutate.killers import BASE, INGESTED, Killer
from etlq.mutate.operators import Columns
from etlq.pipeline import Pipeline

# SQLSTATE classes of a statement PostgreSQL refuses to run: syntax error or access rule
# violation (42: undefined column, type mismatch...), feature not supported (0A).
INVALID_CLASSES = ("42", "0A")
QUERY_CANCELED = "57014"  # statement_timeout


@dataclass(frozen=True)
class Outcome:
    """What became of one mutant: ``killed``, ``survived``, ``timed_out`` or ``invalid``."""

    status: str
    by: str | None  # the killer that noticed it (killed, timed_out)
    detail: str  # the first failure, or the error
    seconds: float


def _pgcode(exc: BaseException | None) -> str | None:
    seen = 0
    while exc is not None and seen < 10:
        code = getattr(exc, "pgcode", None) or getattr(getattr(exc, "orig", None), "pgcode", None)
        if code:
            return str(code)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def classify_error(exc: BaseException) -> str:
    """``invalid`` (the SQL does not run), ``timed_out``, or ``killed`` (the pipeline failed loudly)."""
    code = _pgcode(exc)
    if code == QUERY_CANCELED:
        return "timed_out"
    if code and code.startswith(INVALID_CLASSES):
        return "invalid"
    return "killed"


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0]}"


@dataclass
class WorkerLab:
    """One worker's database on the shared server (see ``killers.Lab``)."""

    services: LocalServices
    prefix: str
    database: str
    raw_bucket: str
    run_dates: Sequence[dt.date]
    timeout_ms: int
    clone_lock: threading.Lock

    def fresh(self, template: str) -> str:
        with self.clone_lock:  # CREATE DATABASE refuses a template another CREATE is copying
            url = self.services.pg.create_database(self.database, f"{self.prefix}_{template}")
        options = urllib.parse.quote(f"-c statement_timeout={self.timeout_ms}")
        return f"{url}?options={options}"


def run_mutant(
    lab: WorkerLab, pipeline: Pipeline, killers: Sequence[Killer], mutant: Mutant, sql: str
) -> Outcome:
    """The mutant through every killer that sees its stage, until the first failure."""
    options = {"sql": {mutant.statement: sql}}
    started = time.perf_counter()
    for killer in killers:
        if not killer.sees(mutant.stage):
            continue
        try:
            failures = killer.run(lab, pipeline, options)
        except Exception as exc:  # the mutated pipeline (or its SQL) failed: classify, not crash
            status = classify_error(exc)
            return Outcome(status, killer.name, _first_line(exc), time.perf_counter() - started)
        if failures:
            return Outcome("killed", killer.name, failures[0], time.perf_counter() - started)
    return Outcome("survived", None, "", time.perf_counter() - started)


@dataclass(frozen=True)
class Bench:
    """The shared setup: the templates, the raw bucket, the catalog and the run dates."""

    services: LocalServices
    prefix: str
    raw_bucket: str
    run_dates: tuple[dt.date, ...]
    columns: Columns

    def lab(self, worker: int, timeout_ms: int, lock: threading.Lock) -> WorkerLab:
        return WorkerLab(
            self.services,
            self.prefix,
            f"{self.prefix}_w{worker}",
            self.raw_bucket,
            self.run_dates,
            timeout_ms,
            lock,
        )


def _catalog(url: str) -> dict[str, list[tuple[str, str]]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT table_schema || '.' || table_name, column_name, data_type "
                    "FROM information_schema.columns "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
                    "ORDER BY table_schema, table_name, ordinal_position"
                )
            )
            catalog: dict[str, list[tuple[str, str]]] = {}
            for table, column, type_name in rows:
                catalog.setdefault(table, []).append((column, type_name))
            return catalog
    finally:
        engine.dispose()


def build_bench(
    services: LocalServices,
    pipeline: Pipeline,
    contracts: Sequence[Contract],
    run_dates: Sequence[dt.date],
    rows: int,
    seed: int,
) -> Bench:
    """The templates: ``base`` (DDL) and ``ingested`` (raw files of every run date ingested)."""
    prefix = f"etlq_mutate_{uuid.uuid4().hex[:6]}"
    bucket = prefix.replace("_", "-")
    base = services.pg.create_database(f"{prefix}_{BASE}")
    pipeline.prepare(base)
    columns = _catalog(base)
    aws.client("s3", services.aws_endpoint).create_bucket(Bucket=bucket)
    ingested = services.pg.create_database(f"{prefix}_{INGESTED}", f"{prefix}_{BASE}")
    for offset, day in enumerate(run_dates):
        generate_raw(pipeline, contracts, bucket, day, rows, seed + offset)
        pipeline.ingest(ingested, day, raw_bucket=bucket)
    return Bench(services, prefix, bucket, tuple(run_dates), columns)


def run_all(
    bench: Bench,
    pipeline: Pipeline,
    killers: Sequence[Killer],
    jobs: Sequence[tuple[Mutant, str]],
    *,
    workers: int,
    timeout_ms: int,
    on_done: Callable[[Mutant, Outcome], None] | None = None,
) -> Iterator[tuple[Mutant, Outcome]]:
    """Every (mutant, its SQL) on ``workers`` databases; results in the order given."""
    lock = threading.Lock()
    labs: queue.Queue[WorkerLab] = queue.Queue()
    for worker in range(workers):
        labs.put(bench.lab(worker, timeout_ms, lock))

    def one(job: tuple[Mutant, str]) -> tuple[Mutant, Outcome]:
        lab = labs.get()
        try:
            outcome = run_mutant(lab, pipeline, killers, *job)
        finally:
            labs.put(lab)
        if on_done is not None:
            on_done(job[0], outcome)
        return job[0], outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(one, jobs)


def baseline(
    bench: Bench, pipeline: Pipeline, killers: Sequence[Killer], sql: Mapping[str, str], timeout_ms: int
) -> None:
    """Every killer must pass with the selected statements replaced by their own deparse: the
    parser's round trip changes no result, and the suites pass on the unmutated pipeline."""
    lab = bench.lab(0, timeout_ms, threading.Lock())
    stages = {name.split(".", 1)[0] for name in sql}
    options: dict[str, Any] = {"sql": dict(sql)}
    for killer in killers:
        if not any(killer.sees(stage) for stage in stages):
            continue
        try:
            failures = killer.run(lab, pipeline, options)
        except Exception as exc:
            raise EtlqError(
                f"{killer.name} fails on the unmutated pipeline (statements deparsed): {_first_line(exc)}",
                "run the suite alone to see why; mutation needs suites that pass first",
            ) from None
        if failures:
            raise EtlqError(
                f"{killer.name} fails on the unmutated pipeline (statements deparsed): {failures[0]}",
                "fix the suite or the pipeline first: mutation needs suites that pass",
            )
