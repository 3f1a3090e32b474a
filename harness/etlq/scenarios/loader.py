"""Load and check ``scenario.yml`` files; one clear error (file, step, fix) per bad file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etlq.errors import EtlqError

# What a delivery may declare on top of the datagen base rows, with the arguments each takes.
CHANGES: Mapping[str, frozenset[str]] = {
    "new_orders": frozenset({"count"}),
    "later_events": frozenset({"count"}),
    "late_events": frozenset({"count", "for"}),
    "move_order": frozenset({"count", "to"}),
    "customer_change": frozenset({"count"}),
    "customer_change_back": frozenset({"count"}),
    "customer_after_orders": frozenset({"count"}),
    "fx_correction": frozenset({"for"}),
    "late_fx": frozenset({"for"}),
    "planted_defect": frozenset({"count", "rule"}),
}
# Steps that act on earlier deliveries instead of making a new one; the value is a step number.
OPERATIONS = ("rerun", "redeliver")
PROMISES = ("idempotent", "order_independent", "incremental_equals_rebuild")
_STEP_KEYS = frozenset({"deliver", "changes", "empty", *OPERATIONS})


@dataclass(frozen=True)
class Step:
    """One step: a delivery for ``run_date`` (with ``changes``) or an operation on step ``target``."""

    number: int
    run_date: dt.date | None = None
    changes: tuple[tuple[str, Mapping[str, Any]], ...] = ()
    empty: bool = False
    operation: str | None = None
    target: int | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    description: str
    steps: tuple[Step, ...]
    promises: frozenset[str] = field(default_factory=frozenset)


def load_scenarios(root: Path) -> list[Scenario]:
    """Every ``<root>/<name>/scenario.yml``, sorted by name."""
    return [load_scenario(p) for p in sorted(root.glob("*/scenario.yml"))]


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
        if set(raw) != {kinds[0]}:
            raise EtlqError(f"{where}: {kinds[0]} takes no changes or empty")
        deliveries = {s.number for s in earlier if s.operation is None}
        if not isinstance(target, int) or isinstance(target, bool) or target not in deliveries:
            raise EtlqError(
                f"{where}: {kinds[0]}: {target!r} is not an earlier delivery step",
                f"use one of {sorted(deliveries)}" if deliveries else "deliver something first",
            )
        return Step(number=number, operation=kinds[0], target=target)
    run_date = _date(where, "deliver", raw["deliver"])
    empty = raw.get("empty", False)
    if not isinstance(empty, bool):
        raise EtlqError(f"{where}: empty must be true or false")
    changes = raw.get("changes") or []
    if not isinstance(changes, list):
        raise EtlqError(f"{where}: changes is a list of {{kind: {{args}}}} mappings")
    if empty and changes:
        raise EtlqError(f"{where}: an empty delivery declares no changes")
    return Step(
        number=number,
        run_date=run_date,
        changes=tuple(_change(where, c) for c in changes),
        empty=empty,
    )


def _change(where: str, raw: object) -> tuple[str, Mapping[str, Any]]:
    if isinstance(raw, str):
        raw = {raw: {}}
    if not isinstance(raw, dict) or len(raw) != 1:
        raise EtlqError(f"{where}: a change is one {{kind: {{args}}}} mapping, got {raw!r}")
    ((kind, args),) = raw.items()
    if kind not in CHANGES:
        raise EtlqError(f"{where}: unknown change {kind!r}", f"use one of {', '.join(CHANGES)}")
    args = {"count": args} if isinstance(args, int) and not isinstance(args, bool) else args or {}
    if not isinstance(args, dict):
        raise EtlqError(f"{where}: {kind}: arguments are a mapping, got {args!r}")
    extra = set(args) - CHANGES[kind]
    if extra:
        raise EtlqError(
            f"{where}: {kind}: unknown argument {sorted(extra)[0]!r}",
            f"use {', '.join(sorted(CHANGES[kind]))}",
        )
    count = args.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise EtlqError(f"{where}: {kind}: count must be a positive whole number, got {count!r}")
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
