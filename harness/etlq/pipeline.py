"""The ETL under test, behind one interface.

etlq never imports the pipeline it tests. A pipeline is any object with the methods of
``Pipeline`` below (structural typing: the implementation does not import etlq either, so a
production ETL keeps no dependency on its tests). It is found, in this order:

1. a setting: ``--etlq-pipeline`` / ``etlq_pipeline`` (pytest), ``ETLQ_PIPELINE``, or
   ``pipeline = "module:attribute"`` under ``[tool.etlq]`` in the project's pyproject.toml;
2. the ``etlq.pipelines`` entry-point group, when exactly one distribution registers one
   (etl/ registers ``etl = "etl.etlq_pipeline:pipeline"``).

With none, every contract-driven check, drift and reconciliation still runs; what needs the
pipeline (job-run records, golden cases, scenarios, mutation) skips and says why.

Values crossing the interface are plain Python (dates, strings, dicts), never etlq types.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from etlq.errors import EtlqError

ENTRY_POINT_GROUP = "etlq.pipelines"
SETTING_ENV = "ETLQ_PIPELINE"
# What a pipeline's ingest may quarantine (see Pipeline.quarantine_rules); datagen plants a
# defect for each and, with no pipeline to ask, assumes an ingest that quarantines all of them.
QUARANTINE_RULES = (
    "unparseable",
    "null_required",
    "over_length",
    "ragged_row",
    "staging_bounds",
    "unnormalized_value",
)


def default_raw_prefix(source: str, run_date: dt.date) -> str:
    """The landing layout assumed when no pipeline names its own (``Pipeline.raw_prefix``)."""
    return f"raw/{source}/run_date={run_date.isoformat()}/"


@runtime_checkable
class Pipeline(Protocol):
    """What etlq needs from the ETL under test."""

    name: str
    jobs: tuple[str, ...]
    """The jobs a run records in ``job_runs``, in the order they run, the gate included
    (etl/: ``ingest``, ``silver``, ``quality_gate``, ``gold``): the deploy smoke expects each."""
    gate: str | None
    """The job that gates promotion (its record's ``details["results"]`` holds the validation
    results), or None when the pipeline has none (etl/: ``quality_gate``)."""
    errors: tuple[type[Exception], ...]
    """Exceptions it raises on purpose (bad input, a stopped quality gate): ``str()`` is one line
    saying what and how to fix it; an ``exit_code`` attribute (2 input, 1 gate) when it has one,
    a ``results`` attribute with the jobs that ran before the failure."""

    def raw_prefix(self, source: str, run_date: dt.date) -> str:
        """The S3 key prefix one raw source lands under for one run date (no bucket, ends in ``/``)."""
        ...

    def prepare(self, database_url: str) -> None:
        """Make an empty database ready for the pipeline (its DDL); idempotent."""
        ...

    def run(
        self,
        database_url: str,
        run_date: dt.date,
        *,
        raw_bucket: str,
        expectations: Sequence[Mapping[str, Any]] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Sequence[Mapping[str, Any]]:
        """Run the whole pipeline for ``run_date`` on the raw files in ``raw_bucket``.

        ``expectations``: GX suite dicts for the pipeline's quality gate, None to skip it.
        ``options``: pipeline-specific settings passed through (etl/: ``glue_database``), and
        ``sql``: statements replaced for this run (see ``statements``).
        Returns one mapping per job (at least ``job`` and ``status``). A failure raises an
        exception whose text says what failed (one of ``errors`` when on purpose); etlq reports
        it, it does not parse it.
        """
        ...

    def transforms(self, options: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
        """Named transforms golden cases may call: name -> ``callable(database_url, run_date)``,
        in the order the pipeline runs them after ingest (etl/: ``silver``, ``gold``; no quality
        gate). ``options`` as for ``run`` (``sql``: statements replaced in these calls)."""
        ...

    def ingest(
        self,
        database_url: str,
        run_date: dt.date,
        *,
        raw_bucket: str,
        options: Mapping[str, Any] | None = None,
    ) -> Mapping[str, Any]:
        """Only the pipeline's first job: the raw files of ``run_date`` into its staging (and
        quarantine), the state ``transforms`` start from. Returns the job's summary mapping."""
        ...

    def statements(self) -> Mapping[str, str]:
        """The SQL the pipeline runs, by name, for ``etlq mutate``: ``<stage>.<statement>`` where
        stage is ``ingest`` or one of ``transforms`` (etl/: ``silver.merge_order_events``,
        ``ingest.typing_orders``). Parameters are psycopg2's ``%(name)s`` (a ``%`` of SQL itself is
        ``%%``). ``run``, ``ingest`` and ``transforms`` take ``options={"sql": {name: text}}`` and
        run ``text`` in place of that statement, in those calls only (never by editing files)."""
        ...

    def lineage(self, run_date: dt.date, source_file: str, line: int) -> Mapping[str, Any]:
        """Values of the lineage/audit columns the pipeline adds to a row it loads (e.g.
        ``run_date``, ``source_file``, ``source_line``, ``run_id``): a golden case's input
        files may leave them out, they describe where a row came from, not what a transform
        does with it."""
        ...

    def loads(self, database_url: str) -> bool:
        """Whether this database carries the pipeline's run records (was loaded by it). Read-only."""
        ...

    def job_runs(self, database_url: str, run_date: dt.date) -> Sequence[Mapping[str, Any]]:
        """The pipeline's own run records for ``run_date``, newest last: each with ``job``,
        ``status`` (``succeeded``, ``failed``, ``skipped``, ``running``), ``error``, ``details``.
        Read-only."""
        ...

    def quarantined(self, database_url: str, run_date: dt.date) -> Mapping[str, int]:
        """Rows quarantined on ``run_date``, per raw source. Read-only."""
        ...

    def quarantined_records(self, database_url: str, run_date: dt.date) -> Sequence[Mapping[str, Any]]:
        """The records quarantined on ``run_date``: each with ``source``, ``file`` (s3 URI),
        ``line`` (1-based, header is line 1) and ``reason`` (a reason code), and ``column`` (the
        column the reason is about, None for the record as a whole) when the pipeline records
        one. Read-only."""
        ...

    def quarantine_rules(self) -> Mapping[str, Sequence[str]]:
        """What the pipeline's ingest quarantines instead of loading: rule -> its reason codes.

        Rules etlq knows (datagen plants a defect for each and expects it quarantined when
        declared here, else caught by a contract check or loaded): ``unparseable`` (a value
        that cannot be typed into its staging column), ``null_required`` (empty required
        field), ``over_length`` (text longer than the column), ``ragged_row`` (wrong number of
        fields), ``staging_bounds`` (a value outside a bound the staging contract declares),
        ``unnormalized_value`` (an unknown value of a column staging loads as text and a later
        layer declares accepted values for)."""
        ...


@dataclass(frozen=True)
class Found:
    """The pipeline in use and where it came from (for messages)."""

    pipeline: Pipeline | None
    origin: str


def _load(spec: str, origin: str) -> Pipeline:
    module_name, _, attribute = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module_name.strip())
        for part in attribute.strip().split(".") if attribute else ():
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise EtlqError(
            f"pipeline {spec!r} (from {origin}) cannot be loaded: {exc}",
            "name it as 'module:attribute', importable from this environment",
            f"or unset it to use the pipeline registered under the {ENTRY_POINT_GROUP!r} entry points",
        ) from None
    if callable(obj) and not isinstance(obj, Pipeline):  # a class or a factory
        try:
            obj = obj()
        except TypeError as exc:
            raise EtlqError(
                f"pipeline {spec!r} (from {origin}) cannot be called without arguments: {exc}",
                "name the pipeline object, or a class or factory that takes no arguments",
            ) from None
    if not isinstance(obj, Pipeline):
        missing = [m for m in ("name", *_METHODS) if not hasattr(obj, m)]
        raise EtlqError(
            f"pipeline {spec!r} (from {origin}) lacks {', '.join(missing)}",
            "implement the methods of etlq.pipeline.Pipeline",
        )
    return obj


_METHODS = (
    "jobs",
    "gate",
    "errors",
    "raw_prefix",
    "prepare",
    "run",
    "transforms",
    "ingest",
    "statements",
    "lineage",
    "loads",
    "job_runs",
    "quarantined",
    "quarantined_records",
    "quarantine_rules",
)


def project_setting(key: str, start: Path | None = None) -> tuple[str, str] | None:
    """``key`` under ``[tool.etlq]`` in the nearest pyproject.toml from ``start`` (default: the
    working directory) upwards, with where it was read (for messages); None when unset."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        path = folder / "pyproject.toml"
        if not path.is_file():
            continue
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("etlq", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise EtlqError(f"{path} cannot be read: {exc}", "fix the file's TOML syntax") from None
        value = table.get(key) if isinstance(table, dict) else None
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise EtlqError(
                f"{path}: [tool.etlq] {key} must be a non-empty string, got {value!r}",
                'write it as pipeline = "module:attribute"',
            )
        return value, f"[tool.etlq] {key} in {path}"
    return None


def find_pipeline(setting: str | None = None, origin: str = "a setting") -> Found:
    """The pipeline under test: an explicit setting, ``ETLQ_PIPELINE``, ``[tool.etlq] pipeline``
    in the nearest pyproject.toml, or the one entry point."""
    if setting:
        return Found(_load(setting, origin), origin)
    if os.environ.get(SETTING_ENV):
        return Found(_load(os.environ[SETTING_ENV], SETTING_ENV), SETTING_ENV)
    configured = project_setting("pipeline")
    if configured:
        spec, where = configured
        return Found(_load(spec, where), where)
    # the same entry point seen twice (an installed and a stale in-tree copy of one distribution's
    # metadata) is one pipeline, not a choice to make
    registered = list({(ep.name, ep.value): ep for ep in entry_points(group=ENTRY_POINT_GROUP)}.values())
    if len(registered) > 1:
        names = ", ".join(sorted(f"{ep.name} ({ep.value})" for ep in registered))
        raise EtlqError(
            f"several pipelines are registered under {ENTRY_POINT_GROUP!r}: {names}",
            f"choose one with {SETTING_ENV}=module:attribute or --etlq-pipeline",
        )
    if registered:
        ep = registered[0]
        return Found(_load(ep.value, f"entry point {ep.name!r}"), f"entry point {ep.name!r}")
    return Found(None, f"no pipeline: none set ({SETTING_ENV}) and none registered ({ENTRY_POINT_GROUP})")


HOW_TO_REGISTER = (
    f"set {SETTING_ENV}=module:attribute (pytest: --etlq-pipeline), or install a distribution that "
    f"registers one under the {ENTRY_POINT_GROUP!r} entry points"
    " (this repository's etl/ does: pip install -e ./etl)"
)


def missing(found: Found, what: str) -> str:
    """Why ``what`` cannot run without a pipeline, and how to register one: a skip reason."""
    return f"{what} needs the pipeline under test, and there is none ({found.origin}): {HOW_TO_REGISTER}"


def require(found: Found, what: str) -> Pipeline:
    """The pipeline, or a one-line error saying ``what`` needs one."""
    if found.pipeline is None:
        raise EtlqError(
            f"{what} needs the pipeline under test, and there is none ({found.origin})", HOW_TO_REGISTER
        )
    return found.pipeline


class PipelineFailed(EtlqError):
    """One of the pipeline's own errors (its ``errors``) as etlq reports it: the pipeline's one
    line, its exit code (default 2) and the jobs that ran before it (``results``)."""

    def __init__(self, exc: Exception) -> None:
        super().__init__(str(exc))
        self.exit_code = int(getattr(exc, "exit_code", 2))
        self.results: list[Mapping[str, Any]] = list(getattr(exc, "results", None) or [])


def run_pipeline(
    pipeline: Pipeline,
    database_url: str,
    run_date: dt.date,
    *,
    raw_bucket: str,
    expectations: Sequence[Mapping[str, Any]] | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """``pipeline.run``, its deliberate errors as ``PipelineFailed`` (one line, no traceback)."""
    try:
        jobs = pipeline.run(
            database_url, run_date, raw_bucket=raw_bucket, expectations=expectations, options=options
        )
    except pipeline.errors as exc:
        raise PipelineFailed(exc) from None
    return [dict(job) for job in jobs]
