"""Load and check ``scenario.yml`` files; one clear error (file, step, fix) per bad file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etlq.errors import EtlqError

# What a delivery may declare on top of the rows datagen makes for its run date, with the
# arguments each takes besides ``source`` (a raw source named in scenarios.yml) and ``count``
# (how many entities; default 1). See docs/scenarios.md.
CHANGES: Mapping[str, frozenset[str]] = {
    # a later row for entities delivered earlier, ``vary`` columns (or only ``columns``) changed
    "update": frozenset({"columns"}),
    "revert": frozenset(),  # a later row whose ``vary`` columns go back to the version before
    "late": frozenset({"for"}),  # a row dated before the entity's first, for entities of ``for``
    "move": frozenset({"to"}),  # a later row with the ``day`` column moved to ``to``
    "correct": frozenset({"for"}),  # the rows delivered on ``for`` again, same key and time, values changed
    # the same entity and time twice in this delivery, the ``vary`` values differing: the last wins
    "duplicate": frozenset(),
    "withhold": frozenset(),  # this delivery's rows of entities held back to the next delivery
    # rows carrying the boundary values their staging contract allows (of entities whose ``where``
    # columns have those values)
    "edges": frozenset({"where"}),
}
# Arguments a change cannot do without (``correct`` in a redelivery corrects its own rows).
REQUIRED: Mapping[str, tuple[str, ...]] = {"late": ("for",), "move": ("to",)}
# What a redelivery of a run date may change: it corrects its own rows ("the day's file, fixed").
REDELIVERY_CHANGES = ("correct", "duplicate")
# Steps that act on earlier deliveries instead of making a new one; the value is a step number.
OPERATIONS = ("rerun", "redeliver")
PROMISES = ("idempotent", "order_independent", "incremental_equals_rebuild")
_STEP_KEYS = frozenset({"deliver", "rows", "changes", "empty", *OPERATIONS})


@dataclass(frozen=True)
class Step:
    """One step: a delivery for ``run_date`` (with ``changes``) or an operation on step ``target``."""

    number: int
    run_date: dt.date | None = None
    changes: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    empty: bool = False
    rows: int | None = None  # datagen's rows for this delivery (None: the scenario's default)
    operation: str | None = None
    target: int | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    description: str
    steps: tuple[Step, ...]
    promises: frozenset[str] = field(default_factory=frozenset)

    @property
    def deliveries(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.operation is None)


def load_scenarios(root: Path) -> list[Scenario]:
    """Every ``<root>/<name>/scenario.yml``, sorted by name, checked against ``<root>/scenarios.yml``."""
    scenarios = [load_scenario(p) for p in sorted(root.glob("*/scenario.yml"))]
    if scenarios:
        settings = load_settings(root)
        for scenario in scenarios:
            check_roles(scenario, settings)
    return scenarios


def load_scenario(path: Path) -> Scenario:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise EtlqError(
            f"{path}: cannot read scenario: {str(exc).splitlines()[0]}",
            "fix the YAML syntax",
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list) or not doc["steps"]:
        raise EtlqError(f"{path}: a scenario is a mapping with a non-empty 'steps' list")
    unknown = set(doc) - {"description", "promises", "steps"}
    if unknown:
        raise EtlqError(
            f"{path}: unknown key {sorted(unknown)[0]!r}",
            "use description, promises and steps",
        )
    promises = doc.get("promises") or []
    bad = [p for p in promises if p not in PROMISES] if isinstance(promises, list) else [promises]
    if bad:
        raise EtlqError(f"{path}: unknown promise {bad[0]!r}", f"use one of {', '.join(PROMISES)}")
    steps: list[Step] = []
    for number, raw in enumerate(doc["steps"], start=1):
        steps.append(_step(path, number, raw, steps))
    return Scenario(
        name=path.parent.name,
        path=path,
        description=str(doc.get("description") or ""),
        steps=tuple(steps),
        promises=frozenset(promises),
    )


def _step(path: Path, number: int, raw: object, earlier: list[Step]) -> Step:
    where = f"{path}: step {number}"
    if not isinstance(raw, dict) or not raw:
        raise EtlqError(f"{where}: a step is a mapping (deliver: DATE, or rerun/redeliver: STEP)")
    unknown = set(raw) - _STEP_KEYS
    if unknown:
        raise EtlqError(
            f"{where}: unknown key {sorted(unknown)[0]!r}",
            f"use one of {', '.join(sorted(_STEP_KEYS))}",
        )
    kinds = [k for k in ("deliver", *OPERATIONS) if k in raw]
    if len(kinds) != 1:
        raise EtlqError(f"{where}: give exactly one of deliver, {', '.join(OPERATIONS)}")
    if kinds[0] != "deliver":
        target = raw[kinds[0]]
        if set(raw) - {kinds[0], "changes"} or (kinds[0] == "rerun" and "changes" in raw):
            raise EtlqError(
                f"{where}: {kinds[0]} takes no rows or empty" + (" or changes" if kinds[0] == "rerun" else "")
            )
        deliveries = {s.number for s in earlier if s.operation is None}
        if not isinstance(target, int) or isinstance(target, bool) or target not in deliveries:
            raise EtlqError(
                f"{where}: {kinds[0]}: {target!r} is not an earlier delivery step",
                f"use one of {sorted(deliveries)}" if deliveries else "deliver something first",
            )
        changes = raw.get("changes") or []
        if not isinstance(changes, list):
            raise EtlqError(f"{where}: changes is a list of {{kind: {{args}}}} mappings")
        parsed = tuple(_change(where, c) for c in changes)
        if any(kind not in REDELIVERY_CHANGES or "for" in args for kind, args in parsed):
            raise EtlqError(
                f"{where}: a redelivery corrects its own rows",
                f"use only {', '.join(REDELIVERY_CHANGES)} changes (no 'for'), or deliver a new run date",
            )
        return Step(number=number, operation=kinds[0], target=target, changes=parsed)
    run_date = _date(where, "deliver", raw["deliver"])
    for step in earlier:
        if step.run_date == run_date:
            raise EtlqError(
                f"{where}: {run_date} was delivered at step {step.number}",
                f"give each delivery its own run date; to deliver it again use redeliver: {step.number}",
            )
    rows = raw.get("rows")
    if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 1):
        raise EtlqError(f"{where}: rows must be a positive whole number, got {rows!r}")
    empty = raw.get("empty", False)
    if not isinstance(empty, bool):
        raise EtlqError(f"{where}: empty must be true or false")
    changes = raw.get("changes") or []
    if not isinstance(changes, list):
        raise EtlqError(f"{where}: changes is a list of {{kind: {{args}}}} mappings")
    if empty and changes:
        raise EtlqError(f"{where}: an empty delivery declares no changes")
    parsed = tuple(_change(where, c) for c in changes)
    if any(kind == "correct" and "for" not in args for kind, args in parsed):
        raise EtlqError(f"{where}: correct: give for", "the run date whose rows it re-delivers corrected")
    return Step(
        number=number,
        run_date=run_date,
        changes=parsed,
        empty=empty,
        rows=rows,
    )


def _change(where: str, raw: object) -> tuple[str, Mapping[str, Any]]:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise EtlqError(f"{where}: a change is one {{kind: {{args}}}} mapping, got {raw!r}")
    ((kind, args),) = raw.items()
    if kind not in CHANGES:
        raise EtlqError(f"{where}: unknown change {kind!r}", f"use one of {', '.join(CHANGES)}")
    args = {"source": args} if isinstance(args, str) else args or {}
    if not isinstance(args, dict):
        raise EtlqError(f"{where}: {kind}: arguments are a mapping, got {args!r}")
    allowed = CHANGES[kind] | {"source", "count"}
    extra = set(args) - allowed
    if extra:
        raise EtlqError(
            f"{where}: {kind}: unknown argument {sorted(extra)[0]!r}", f"use {', '.join(sorted(allowed))}"
        )
    if not isinstance(args.get("source"), str):
        raise EtlqError(
            f"{where}: {kind}: name the raw source it changes", f"write {{{kind}: {{source: NAME}}}}"
        )
    missing = {k for k in REQUIRED.get(kind, ()) if k not in args}
    if missing:
        raise EtlqError(f"{where}: {kind}: give {sorted(missing)[0]}", "write it as YYYY-MM-DD")
    count = args.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise EtlqError(f"{where}: {kind}: count must be a positive whole number, got {count!r}")
    if not isinstance(args.get("columns", []), list):
        raise EtlqError(f"{where}: {kind}: columns is a list of column names")
    if not isinstance(args.get("where", {}), dict):
        raise EtlqError(f"{where}: {kind}: where is a mapping of column -> value")
    for key in ("for", "to"):
        if key in args:
            args = {**args, key: _date(f"{where}: {kind}", key, args[key])}
    return kind, {**args, "count": count}


def _date(where: str, key: str, value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise EtlqError(f"{where}: {key}: {value!r} is not a date", "write YYYY-MM-DD") from None


SETTINGS_FILE = "scenarios.yml"
# The roles each change needs its source to declare in scenarios.yml.
NEEDS: Mapping[str, tuple[str, ...]] = {
    "update": ("time", "vary"),
    "revert": ("time", "vary"),
    "late": ("time",),
    "move": ("time", "day"),
    "correct": ("vary",),
    "duplicate": ("vary",),
    "withhold": (),
    "edges": (),
}


@dataclass(frozen=True)
class Roles:
    """What the changes need to know about one raw source's columns."""

    key: tuple[str, ...]  # what one entity is (an order, a customer, a rate of a day)
    time: str | None = None  # when a row of the entity happened: later rows supersede earlier ones
    day: str | None = None  # the business day a row counts on (``move`` changes it)
    vary: tuple[str, ...] = ()  # columns an update may change
    edges: int = 0  # entities of every delivery that carry the contract's boundary values
    edge_where: Mapping[str, str] = field(default_factory=dict)  # ... chosen among rows like this


@dataclass(frozen=True)
class Settings:
    """``<scenarios>/scenarios.yml``: the sources' roles and what the oracles compare."""

    path: Path
    sources: Mapping[str, Roles]
    volatile: tuple[str, ...] = ()  # schema.table.column globs a rerun may change (load times)
    lineage: tuple[str, ...] = ()  # globs that say which run wrote a row: differ between databases
    rows: int = 40
    expectations: Path | None = None  # a Python file: expected(deliveries) -> {table: rows}


def load_settings(root: Path) -> Settings:
    path = root / SETTINGS_FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EtlqError(
            f"{path}: missing: scenarios need their sources' roles",
            "write sources: {NAME: {key: [COLUMN], time: COLUMN, vary: [COLUMN]}} (docs/scenarios.md)",
        ) from None
    except (OSError, yaml.YAMLError) as exc:
        raise EtlqError(f"{path}: cannot read: {str(exc).splitlines()[0]}", "fix the YAML syntax") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), dict) or not doc["sources"]:
        raise EtlqError(f"{path}: give a non-empty 'sources' mapping of raw source -> roles")
    unknown = set(doc) - {"sources", "volatile", "lineage", "rows", "expectations"}
    if unknown:
        raise EtlqError(
            f"{path}: unknown key {sorted(unknown)[0]!r}",
            "use sources, volatile, lineage, rows, expectations",
        )
    sources = {}
    for name, raw in doc["sources"].items():
        roles = raw if isinstance(raw, dict) else {}
        bad = set(roles) - {"key", "time", "day", "vary", "edges"}
        key = roles.get("key")
        key = [key] if isinstance(key, str) else key
        if bad or not isinstance(key, list) or not key:
            raise EtlqError(
                f"{path}: sources: {name}: " + (f"unknown role {sorted(bad)[0]!r}" if bad else "give key"),
                "roles are key (columns), time, day (a column each), vary (columns) and edges",
            )
        edges = roles.get("edges", 0)
        edges = edges if isinstance(edges, dict) else {"count": edges}
        count, where = edges.get("count", 1), edges.get("where") or {}
        if not isinstance(count, int) or isinstance(count, bool) or count < 0 or not isinstance(where, dict):
            raise EtlqError(
                f"{path}: sources: {name}: edges: {edges!r}",
                "write edges: N, or edges: {count: N, where: {COLUMN: VALUE}}",
            )
        sources[str(name)] = Roles(
            key=tuple(map(str, key)),
            time=roles.get("time"),
            day=roles.get("day"),
            vary=tuple(map(str, roles.get("vary") or ())),
            edges=count,
            edge_where={str(k): str(v) for k, v in where.items()},
        )
    rows = doc.get("rows", 40)
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise EtlqError(f"{path}: rows must be a positive whole number, got {rows!r}")
    expectations = doc.get("expectations")
    if expectations is not None and not (root / str(expectations)).is_file():
        raise EtlqError(f"{path}: expectations: {root / str(expectations)} does not exist")
    return Settings(
        path=path,
        sources=sources,
        volatile=tuple(map(str, doc.get("volatile") or ())),
        lineage=tuple(map(str, doc.get("lineage") or ())),
        rows=rows,
        expectations=root / str(expectations) if expectations else None,
    )


def check_roles(scenario: Scenario, settings: Settings) -> None:
    """Every change names a source of ``settings`` that declares the roles the change needs."""
    for step in scenario.steps:
        for kind, args in step.changes:
            where = f"{scenario.path}: step {step.number}: {kind}"
            roles = settings.sources.get(args["source"])
            if roles is None:
                raise EtlqError(
                    f"{where}: source {args['source']!r} is not in {settings.path}",
                    f"use one of {', '.join(sorted(settings.sources))}",
                )
            lacking = [r for r in NEEDS[kind] if not getattr(roles, r)]
            if lacking:
                raise EtlqError(
                    f"{where}: source {args['source']!r} declares no {lacking[0]} in {settings.path}",
                    f"add {lacking[0]} to its roles",
                )
