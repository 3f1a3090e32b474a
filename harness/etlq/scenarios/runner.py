"""Run a scenario through the pipeline under test and judge it with the generic oracles.

Every step runs the whole pipeline (``Pipeline.run``, no quality gate: scenarios test the
transforms, the gate has its own suites) for its run date in one database, then:

- ``runs``: the pipeline runs the step without an error;
- ``nothing_lost``: every delivered record is staged or quarantined for its run date;
- ``idempotent``: running the step again changes no row of any table (a ``rerun`` or an identical
  ``redeliver`` step is judged the same way);
- ``expected``: gold as the deliveries imply (the scenarios' expectations file, computed from the
  delivered records, never from the ETL's SQL);
- ``edges``: every edge row of the step reached each later table that carries its columns unchanged.

After the last step: ``incremental_equals_rebuild`` (every delivery loaded once, in run-date
order, into a fresh database gives the same silver and gold) and ``order_independent`` (the same
in reverse order), when the scenario promises them.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import urllib.parse
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from etlq import aws
from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.local import LocalServices
from etlq.pipeline import Pipeline, PipelineFailed, run_pipeline
from etlq.scenarios.deliveries import Builder, Delivery, write_delivery
from etlq.scenarios.loader import Scenario, Settings
from etlq.scenarios.oracles import Snapshot, expected_rows, same, snapshot
from etlq.verdicts import Verdict, failed, passed, skipped

ORACLES = (
    "runs",
    "nothing_lost",
    "idempotent",
    "expected",
    "edges",
    "incremental_equals_rebuild",
    "order_independent",
)
Expectations = Callable[[Sequence[Delivery]], Mapping[str, Sequence[Mapping[str, Any]]]]


@dataclass
class StepResult:
    label: str  # "step 2: deliver 2024-03-02 (update orders x5, ...)"
    verdicts: dict[str, Verdict] = field(default_factory=dict)


@dataclass
class ScenarioRun:
    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    final: dict[str, Verdict] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)

    def verdicts(self, oracle: str) -> list[tuple[str, Verdict]]:
        """What ``oracle`` found, per step (or once, for the final oracles)."""
        if oracle in self.final:
            return [("after the last step", self.final[oracle])]
        return [(s.label, s.verdicts[oracle]) for s in self.steps if oracle in s.verdicts]

    def verdict(self, oracle: str) -> Verdict:
        """One verdict for ``oracle``: failed naming every failing step, else passed or skipped."""
        found = self.verdicts(oracle)
        bad = [f"{label}: {v.message}" for label, v in found if v.outcome == "failed"]
        if bad:
            return failed(f"{self.scenario.name}: {oracle}\n" + "\n".join(bad))
        if not found or all(v.outcome == "skipped" for _, v in found):
            reason = found[0][1].message if found else "no step checks it"
            return skipped(f"{self.scenario.name}: {oracle}: {reason}")
        done = sum(v.outcome == "passed" for _, v in found)
        rest = len(found) - done
        return passed(
            f"{self.scenario.name}: {oracle}: {done} step(s) passed" + (f", {rest} skipped" if rest else "")
        )


def load_expectations(settings: Settings) -> Expectations | None:
    """The ``expected`` function of the scenarios' expectations file, if one is named."""
    if settings.expectations is None:
        return None
    spec = importlib.util.spec_from_file_location(
        f"etlq_expectations_{uuid.uuid4().hex[:6]}", settings.expectations
    )
    if spec is None or spec.loader is None:
        raise EtlqError(f"{settings.expectations}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, "expected", None)
    if not callable(function):
        raise EtlqError(f"{settings.expectations}: defines no expected(deliveries) function")
    return function  # type: ignore[no-any-return]


class _Lab:
    """The scenario's bucket and databases on this worker's local services."""

    def __init__(self, services: LocalServices, label: str, timeout_ms: int | None = None) -> None:
        self.services = services
        self.s3 = aws.client("s3", services.aws_endpoint)
        self.bucket = f"etlq-scn-{uuid.uuid4().hex[:10]}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.label, self.timeout_ms = label, timeout_ms
        self.databases: list[str] = []

    def database(self, pipeline: Pipeline) -> str:
        """A new database with the pipeline's DDL; with a timeout, every statement on it is bounded."""
        name, url = self.services.new_database(self.label)
        self.databases.append(name)
        pipeline.prepare(url)
        if self.timeout_ms:
            url += "?options=" + urllib.parse.quote(f"-c statement_timeout={self.timeout_ms}")
        return url

    def close(self) -> None:
        for name in self.databases:
            self.services.pg.drop_database(name)


def run_scenario(
    scenario: Scenario,
    settings: Settings,
    pipeline: Pipeline,
    contracts: Sequence[Contract],
    services: LocalServices,
    *,
    options: Mapping[str, Any] | None = None,
    seed: int = 0,
    expectations: Expectations | None = None,
    statement_timeout_ms: int | None = None,
) -> ScenarioRun:
    """Run every step of ``scenario`` with ``pipeline`` (``options`` passed to each run, e.g.
    ``{"sql": {...}}`` for a defect or a mutant) and judge it."""
    tables = sorted(c.table for c in contracts)
    later = sorted(c.table for c in contracts if not c.raw_source)
    result = ScenarioRun(scenario)
    lab = _Lab(services, "scenario", statement_timeout_ms)
    builder = Builder(scenario, settings, contracts, pipeline, seed)
    by_step: dict[int, Delivery] = {}

    def run(url: str, day: dt.date) -> str | None:
        try:
            run_pipeline(pipeline, url, day, raw_bucket=lab.bucket, options=options)
        except PipelineFailed as exc:
            return f"the pipeline failed on {day}: {exc}"
        except Exception as exc:  # not one of its deliberate errors: a crash is a finding too
            first = (str(exc).splitlines() or [""])[0]
            return f"the pipeline crashed on {day}: {type(exc).__name__}: {first}"
        return None

    try:
        url = lab.database(pipeline)
        for step in scenario.steps:
            if step.operation is None:
                delivery = builder.build(step)
                by_step[step.number] = delivery
                result.deliveries.append(delivery)
                write_delivery(lab.s3, lab.bucket, pipeline, delivery)
                day = delivery.run_date
                label = f"step {step.number}: deliver {day}{_changes(delivery)}"
            elif step.changes:  # a corrected redelivery: a new version of that run date's files
                assert step.target is not None
                earlier = by_step[step.target]
                delivery = builder.redeliver(step, earlier)
                by_step[step.target] = delivery
                result.deliveries = [delivery if d is earlier else d for d in result.deliveries]
                write_delivery(lab.s3, lab.bucket, pipeline, delivery)
                day = delivery.run_date
                label = f"step {step.number}: redeliver {day} corrected{_changes(delivery)}"
            else:
                assert step.target is not None
                delivery = by_step[step.target]
                day = delivery.run_date
                if step.operation == "redeliver":
                    write_delivery(lab.s3, lab.bucket, pipeline, delivery)
                label = f"step {step.number}: {step.operation} of step {step.target} ({day})"
            record = StepResult(label)
            result.steps.append(record)
            unchanged = step.operation is not None and not step.changes  # must change nothing
            before = snapshot(url, tables, settings.volatile) if unchanged else None
            error = run(url, day)
            record.verdicts["runs"] = failed(error) if error else passed(f"{day}: every job ran")
            if error:
                break
            after = snapshot(url, tables, settings.volatile)
            if before is not None:  # a rerun or identical redelivery must change nothing
                record.verdicts["idempotent"] = same("rows changed", before, after)
                continue
            record.verdicts["nothing_lost"] = _nothing_lost(pipeline, url, delivery, contracts)
            error = run(url, day)
            if error:
                record.verdicts["runs"] = failed(f"running the step again: {error}")
                break
            record.verdicts["idempotent"] = same(
                "running the step again changed rows", after, snapshot(url, tables, settings.volatile)
            )
            full = snapshot(url, tables)
            record.verdicts["edges"] = _edges(delivery, full, later)
            if expectations is not None:
                record.verdicts["expected"] = expected_rows(full, expectations(list(result.deliveries)))
        else:
            ignore = (*settings.volatile, *settings.lineage)
            final = snapshot(url, later, ignore)
            ordered = sorted(result.deliveries, key=lambda d: d.run_date)
            for promise, order in (
                ("incremental_equals_rebuild", ordered),
                ("order_independent", list(reversed(ordered))),
            ):
                if promise not in scenario.promises:
                    result.final[promise] = skipped(f"the scenario does not promise {promise}")
                    continue
                fresh = lab.database(pipeline)
                error = next((e for d in order if (e := run(fresh, d.run_date))), None)
                what = ", ".join(str(d.run_date) for d in order)
                result.final[promise] = (
                    failed(error)
                    if error
                    else same(
                        f"loading {what} into a fresh database gave other rows",
                        final,
                        snapshot(fresh, later, ignore),
                    )
                )
        return result
    finally:
        lab.close()


def _changes(delivery: Delivery) -> str:
    if not delivery.changes:
        return ""
    return " (" + ", ".join(f"{c['kind']} {c['source']} x{len(c['keys'])}" for c in delivery.changes) + ")"


def _nothing_lost(pipeline: Pipeline, url: str, delivery: Delivery, contracts: Sequence[Contract]) -> Verdict:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    quarantined = pipeline.quarantined(url, delivery.run_date)
    engine = create_engine(url, poolclass=NullPool)
    lost, counted = [], []
    try:
        with engine.connect() as conn:
            for contract in contracts:
                source = contract.raw_source
                if source is None or source not in delivery.sources:
                    continue
                staged = conn.execute(
                    text(f'SELECT count(*) FROM "{contract.schema}"."{contract.name}" WHERE run_date = :d'),
                    {"d": delivery.run_date},
                ).scalar_one()
                held = int(quarantined.get(source, 0))
                records = len(delivery.sources[source].rows)
                counted.append(f"{source} {records} = {staged} staged + {held} quarantined")
                if records != staged + held:
                    lost.append(f"{source}: {records} delivered, {staged} staged + {held} quarantined")
                elif held:  # scenario deliveries are clean data: quarantine must hold nothing
                    lost.append(f"{source}: {held} clean record(s) quarantined")
    finally:
        engine.dispose()
    return failed("records lost or quarantined: " + "; ".join(lost)) if lost else passed("; ".join(counted))


def _edges(delivery: Delivery, full: Snapshot, tables: Sequence[str]) -> Verdict:
    """Each edge row's values are in every later table that has its key columns and the value's column."""
    if not delivery.edges:
        return skipped("the step delivers no edge rows")
    problems, seen = [], 0
    for edge in delivery.edges:
        for name in tables:
            table = full.get(name)
            keys = edge["key_columns"]
            if table is None or any(k not in table.columns for k in keys):
                continue
            columns = [c for c in edge["values"] if c in table.columns]
            if not columns:
                continue
            seen += 1
            wanted = dict(zip(keys, edge["key"].split("|"), strict=True))
            rows = [
                dict(zip(table.columns, r, strict=True))
                for r in table.rows
                if all(str(dict(zip(table.columns, r, strict=True))[k]) == v for k, v in wanted.items())
            ]
            if not any(all(_equal(row[c], edge["values"][c]) for c in columns) for row in rows):
                found = {c: rows[0][c] for c in columns} if rows else "no row with that key"
                problems.append(
                    f"{name} {wanted}: expected {{{_show(edge['values'], columns)}}}, found {found!r}"
                )
    if problems:
        return failed("edge rows did not arrive unchanged:\n" + "\n".join(problems[:10]))
    return passed(f"{len(delivery.edges)} edge row(s) unchanged in {seen} place(s)")


def _show(values: Mapping[str, str], columns: Sequence[str]) -> str:
    return ", ".join(f"{c}={values[c]!r}" for c in columns)


def _equal(actual: Any, written: str) -> bool:
    if isinstance(actual, Decimal):
        try:
            return actual == Decimal(written)
        except InvalidOperation:
            return False
    return str(actual) == written
