"""The pipeline's own record of a run date: was this warehouse loaded by it, did each job's
latest run succeed. Asked through ``etlq.pipeline`` (``loads``, ``job_runs``), never by SQL
on the pipeline's tables, so any registered pipeline answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from etlq.pipeline import missing
from etlq.verdicts import Verdict, failed, passed, skipped
from etlq.warehouse import Warehouse


def loaded_by_pipeline(warehouse: Warehouse) -> Verdict:
    """Passed when the pipeline under test loads this warehouse; skipped (with why) otherwise."""
    pipeline = warehouse.pipeline.pipeline
    if pipeline is None:
        return skipped(missing(warehouse.pipeline, "checking job runs"))
    if not pipeline.loads(warehouse.url):
        return skipped(
            f"no run records of pipeline {pipeline.name!r}: this warehouse is not loaded by it, "
            "so there are no runs to check"
        )
    return passed()


def latest_runs(warehouse: Warehouse, run_date: dt.date) -> dict[str, Mapping[str, Any]]:
    """The latest run of each job on ``run_date`` (job -> its record); call after
    ``loaded_by_pipeline`` passed."""
    pipeline = warehouse.pipeline.pipeline
    assert pipeline is not None, "call loaded_by_pipeline first"
    return {run["job"]: run for run in pipeline.job_runs(warehouse.url, run_date)}  # newest last wins


def job_succeeded(runs: Mapping[str, Mapping[str, Any]], job: str, run_date: dt.date) -> Verdict:
    """The latest ``job`` run of ``run_date`` (``runs``: from ``latest_runs``) must have status
    ``succeeded``."""
    run = runs.get(job)
    if run is None:
        return failed(f"no {job} run for {run_date} in the pipeline's run records")
    if run["status"] != "succeeded":
        reason = run.get("error") or (run.get("details") or {}).get("skipped") or "no reason recorded"
        return failed(f"latest {job} run for {run_date} is {run['status']}: {reason}")
    return passed(f"latest {job} run for {run_date} succeeded")
