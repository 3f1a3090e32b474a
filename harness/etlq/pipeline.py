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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from etlq.errors import EtlqError

ENTRY_POINT_GROUP = "etlq.pipelines"
SETTING_ENV = "ETLQ_PIPELINE"


@runtime_checkable
class Pipeline(Protocol):
    """What etlq needs from the ETL under test."""

    name: str

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
    ) -> Sequence[Mapping[str, Any]]:
        """Run the whole pipeline for ``run_date`` on the raw files in ``raw_bucket``.

        ``expectations``: GX suite dicts for the pipeline's quality gate, None to skip it.
        Returns one mapping per job (at least ``job`` and ``status``). A failure raises an
        exception whose text says what failed; etlq reports it, it does not parse it.
        """
        ...

    def transforms(self) -> Mapping[str, Any]:
        """Named transforms golden cases may call: name -> ``callable(database_url, run_date)``."""
        ...

    def job_runs(self, database_url: str, run_date: dt.date) -> Sequence[Mapping[str, Any]]:
        """The pipeline's own run records for ``run_date``, newest last: each with ``job``,
        ``status`` (``succeeded``, ``failed``, ``skipped``, ``running``), ``error``, ``details``.
        Read-only."""
        ...

    def quarantined(self, database_url: str, run_date: dt.date) -> Mapping[str, int]:
        """Rows quarantined on ``run_date``, per raw source. Read-only."""
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
    if callable(obj) and not isinstance(obj, Pipeline):
        obj = obj()  # a class or a factory
    if not isinstance(obj, Pipeline):
        missing = [m for m in ("name", *_METHODS) if not hasattr(obj, m)]
        raise EtlqError(
            f"pipeline {spec!r} (from {origin}) lacks {', '.join(missing)}",
            "implement the methods of etlq.pipeline.Pipeline",
        )
    return obj


_METHODS = ("raw_prefix", "prepare", "run", "transforms", "job_runs", "quarantined")


def find_pipeline(setting: str | None = None, origin: str = "a setting") -> Found:
    """The pipeline under test: an explicit setting, ``ETLQ_PIPELINE``, or the one entry point."""
    if setting:
        return Found(_load(setting, origin), origin)
    if os.environ.get(SETTING_ENV):
        return Found(_load(os.environ[SETTING_ENV], SETTING_ENV), SETTING_ENV)
    registered = list(entry_points(group=ENTRY_POINT_GROUP))
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


def require(found: Found, what: str) -> Pipeline:
    """The pipeline, or a one-line error saying ``what`` needs one."""
    if found.pipeline is None:
        raise EtlqError(
            f"{what} needs the pipeline under test, and there is none ({found.origin})",
            f"set {SETTING_ENV}=module:attribute, or install a distribution that registers one "
            f"under {ENTRY_POINT_GROUP!r} (etl/ does: pip install ./etl)",
        )
    return found.pipeline
