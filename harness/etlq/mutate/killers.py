"""Kill suites: what runs against a mutant to see whether anything notices it.

A killer looks at the pipeline with some statements replaced (``options``) in a fresh copy of a
template database and returns what failed (one line per failure; empty: nothing noticed).
Killers here: every golden case of the mutated stage (``GoldenKiller``), the bad-input corpus
through a mutated ingest (``etlq.mutate.bad_inputs.BadInputKiller``), the contracts' checks over
a warehouse loaded by the mutated pipeline (``WarehouseKiller``), and the scenarios
(``ScenarioKiller``). Another suite is added the same way: an object with ``name``,
``sees(stage)`` and ``run(lab, options)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from etlq.contracts import Contract
from etlq.golden.cases import GoldenCase, render_diff
from etlq.pipeline import Pipeline

BASE = "base"  # template: the pipeline's DDL, no rows
INGESTED = "ingested"  # template: BASE plus every run date's raw files ingested


class Lab(Protocol):
    """A worker's database and the shared raw bucket."""

    raw_bucket: str
    run_dates: Sequence[dt.date]

    def fresh(self, template: str) -> str:
        """The worker's database, replaced by a copy of ``template``; its URL."""
        ...


class Killer(Protocol):
    @property
    def name(self) -> str: ...

    def sees(self, stage: str) -> bool:
        """Whether a change of a statement of ``stage`` can reach this suite."""
        ...

    def run(self, lab: Lab, pipeline: Pipeline, options: Mapping[str, Any]) -> list[str]:
        """The failures of this suite with the pipeline run with ``options`` (empty: passed).
        A pipeline error propagates: the runner classifies it."""
        ...


@dataclass(frozen=True)
class GoldenKiller:
    """One golden case: its inputs, its transform run with the mutant, its expected tables."""

    case: GoldenCase

    @property
    def name(self) -> str:
        return f"golden {self.case.id}"

    def sees(self, stage: str) -> bool:
        return stage == self.case.transform

    def run(self, lab: Lab, pipeline: Pipeline, options: Mapping[str, Any]) -> list[str]:
        from etlq.golden.run import run_case

        diffs = run_case(lab.fresh(BASE), self.case, pipeline, options)
        return [render_diff(d, limit=3).splitlines()[0] for d in diffs if not d.equal]


@dataclass(frozen=True)
class WarehouseKiller:
    """The contracts' error-severity checks over the warehouse the mutated pipeline loads from
    the generated raw files of every run date (ingest once in the template when the mutant is
    downstream of it)."""

    contracts: Sequence[Contract]
    name: str = "contract checks"

    def sees(self, stage: str) -> bool:
        return True

    def run(self, lab: Lab, pipeline: Pipeline, options: Mapping[str, Any]) -> list[str]:
        from etlq.checks.sql_engine import run_checks

        from_raw = any(name.split(".", 1)[0] == "ingest" for name in options.get("sql", {}))
        url = lab.fresh(BASE if from_raw else INGESTED)
        for day in lab.run_dates:
            if from_raw:
                pipeline.ingest(url, day, raw_bucket=lab.raw_bucket, options=options)
            for transform in pipeline.transforms(options).values():
                transform(url, day)
        result = run_checks(url, self.contracts, sample_limit=0)
        return [
            f"{r.id}: {r.outcome}"
            for r in result.results
            if r.severity == "error" and r.outcome in ("failed", "error")
        ]


@dataclass(frozen=True)
class ScenarioKiller:
    """The scenarios (deliveries across run dates, etlq.scenarios) run with the mutant: any oracle
    that fails kills it. Slowest of the killers, so it runs last; it stops at the first scenario
    with a failure."""

    root: Path
    contracts: Sequence[Contract]
    name: str = "scenarios"

    def sees(self, stage: str) -> bool:
        return True

    def run(self, lab: Lab, pipeline: Pipeline, options: Mapping[str, Any]) -> list[str]:
        from etlq.scenarios import load_scenarios
        from etlq.scenarios.loader import load_settings
        from etlq.scenarios.runner import ORACLES, load_expectations, run_scenario

        settings = load_settings(self.root)
        expectations = load_expectations(settings)
        services = getattr(lab, "services")  # noqa: B009 - WorkerLab's servers (Lab protocol: no services)
        timeout = getattr(lab, "timeout_ms", None)
        for scenario in load_scenarios(self.root):
            run = run_scenario(
                scenario,
                settings,
                pipeline,
                self.contracts,
                services,
                options=options,
                expectations=expectations,
                statement_timeout_ms=timeout,
            )
            failed = []
            for oracle in ORACLES:
                verdict = run.verdict(oracle)
                if verdict.outcome == "failed":
                    lines = verdict.message.splitlines()  # the first names the oracle, the second the step
                    failed.append(f"{scenario.name}::{oracle}: {lines[1] if len(lines) > 1 else lines[0]}")
            if failed:
                return failed
        return []


def default_killers(
    pipeline_cases: Sequence[GoldenCase],
    contracts: Sequence[Contract],
    bad_inputs: Path | None = None,
    scenarios: Path | None = None,
) -> list[Killer]:
    """Golden cases first (small, quick), then the bad-input corpus in ``bad_inputs`` (ingest
    mutants only; a few small files, and what ingest's typing exists for), then the warehouse
    checks (every run date's generated files through every stage), then the scenarios (slowest)."""
    from etlq.mutate.bad_inputs import BadInputKiller

    killers: list[Killer] = [GoldenKiller(case) for case in pipeline_cases]
    if bad_inputs is not None:
        killers.append(BadInputKiller.from_folder(bad_inputs, contracts))
    tail: list[Killer] = [ScenarioKiller(scenarios, contracts)] if scenarios is not None else []
    return [*killers, WarehouseKiller(contracts), *tail]
