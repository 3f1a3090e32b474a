"""What to generate, read from the contracts: sources, their file columns, keys, shapes and row counts,
and the foreign keys that must hold between the generated files.

A raw source (``raw: {source: orders}`` on a staging contract) becomes one file of the
contract's ``origin: source`` columns. Foreign keys between sources come from the staging
contracts themselves or, when staging declares none (staging loads what lands), from the
silver/gold contracts downstream: ``gold.fact_orders.customer_id -> gold.dim_customers`` holds
between the sources those tables are built from (``orders`` -> ``customers``), matched by
table name. Every relation keeps the id of the check that catches an orphan.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from etlq.contracts.model import Column, Contract, ForeignKey
from etlq.datagen import tables as table_plans
from etlq.datagen.values import Calendar, Ungeneratable, ValueSpec, spec_for
from etlq.errors import EtlqError
from etlq.pipeline import default_raw_prefix

BLOCK_ROWS = 65_536  # values are drawn per logical block, whatever the write chunk size
PARENT_SHARE = 0.1  # a parent referenced by a single key gets this many rows per child row
NULL_SHARE = 0.03  # share of NULLs in optional text columns no downstream rule depends on
LAYERS = ("staging", "silver", "gold")
Shape = Literal["keyed", "events", "coverage", "plain"]


@dataclass(frozen=True)
class Relation:
    child: str
    child_columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]
    check_id: str  # the contract check an orphan must fail


@dataclass(frozen=True)
class SourcePlan:
    name: str  # raw source name (orders) or schema.table for --tables
    contract: Contract
    path: str  # file path relative to --out, without the extension
    specs: tuple[ValueSpec, ...]
    shape: Shape
    key: tuple[str, ...]
    rows: int = 0
    key_base: int = 1
    event_column: str | None = None
    lifecycle_column: str | None = None
    date_column: str | None = None
    parents: tuple[Relation, ...] = ()
    self_refs: tuple[Relation, ...] = ()  # a foreign key to this table: an earlier row, or NULL
    domains: dict[str, tuple[object, ...]] = field(default_factory=dict)  # coverage: column -> values

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def spec(self, name: str) -> ValueSpec:
        return next(s for s in self.specs if s.name == name)

    @property
    def blocks(self) -> int:
        return max(1, math.ceil(self.rows / BLOCK_ROWS))


def table_feeds_source(table: str, source: str) -> bool:
    """Whether ``table`` is built from raw ``source``, judged by name.

    ``silver.order_events`` and ``gold.fact_orders`` come from ``orders``, ``gold.dim_fx`` from
    ``fx_rates``: a ``dim_``/``fact_`` prefix dropped, singular or plural, or a prefix of the source.
    """
    stem = re.sub(r"^(dim|fact|stg|raw)_", "", table.split(".", 1)[1])
    singular = source[:-1] if source.endswith("s") else source
    return stem in {source, singular} or stem.startswith(singular + "_") or source.startswith(stem + "_")


def lineage(contracts: Sequence[Contract], source: str) -> list[Contract]:
    """The contracts of tables built from ``source``, staging first, then silver, then gold."""
    fed = [
        c
        for c in contracts
        if c.raw_source == source or (c.raw_source is None and table_feeds_source(c.table, source))
    ]
    return sorted(fed, key=lambda c: (LAYERS.index(c.schema) if c.schema in LAYERS else len(LAYERS), c.table))


def build_plans(
    contracts: Sequence[Contract],
    rows: int,
    cal: Calendar,
    tables: str | None = None,
    raw_prefix: Callable[[str, dt.date], str] = default_raw_prefix,
) -> list[SourcePlan]:
    """Parents first; row counts, keys and coverage domains filled in. A raw source's file goes
    under ``raw_prefix(source, run date)``: the pipeline's landing layout."""
    if rows < 1:
        raise EtlqError(f"--rows must be at least 1, got {rows}")
    selected: list[tuple[str, Contract, tuple[Column, ...], str]] = []
    globs = [g.strip() for g in (tables or "").split(",") if g.strip()]
    for c in contracts:
        if c.raw_source:
            cols = tuple(col for col in c.columns if col.origin == "source")
            selected.append(
                (c.raw_source, c, cols, f"{raw_prefix(c.raw_source, cal.run_date)}{c.raw_source}")
            )
        elif any(fnmatch.fnmatchcase(c.table, g) for g in globs):
            # the database computes a generated column and refuses a value for it: not in the file
            generated = {k for k, v in table_plans.hints(c).items() if v.get("generated") is True}
            cols = tuple(col for col in c.columns if col.name not in generated)
            selected.append((c.table, c, cols, f"{c.schema}/{c.name}"))
    if not selected:
        raise EtlqError(
            "no contract has `raw: {source: ...}` (or matches --tables)",
            "add `raw: {source: NAME}` to the contracts of the tables your ETL reads from files",
            "pass --tables 'gold.*' to generate other tables",
        )
    names = {name: cols for name, _, cols, _ in selected}
    relations = _relations(contracts, selected, names)
    plans = {name: _plan(name, c, cols, path, relations, contracts) for name, c, cols, path in selected}
    plans = {name: table_plans.finish(plan, relations, plans, contracts) for name, plan in plans.items()}
    ordered = _parents_first(list(plans), [r for r in relations if r.child != r.parent])
    for name in reversed(ordered):  # children before parents: a parent's size follows its children
        plans[name] = _sized(plans[name], plans, relations, rows, cal)
    return [plans[name] for name in ordered]


def _relations(
    contracts: Sequence[Contract], selected: list, names: dict[str, tuple[Column, ...]]
) -> list[Relation]:
    by_table = {c.table: name for name, c, _, _ in selected}
    found: dict[tuple, Relation] = {}
    ordered = sorted(contracts, key=lambda c: LAYERS.index(c.schema) if c.schema in LAYERS else len(LAYERS))
    for contract in ordered:
        for fk in contract.all_foreign_keys():
            for child, parent in _fk_sources(contract, fk, by_table, names):
                if child == parent and "." not in child:
                    continue
                check = f"{contract.table}::foreign_key[{','.join(fk.columns)}]"
                found.setdefault(
                    (child, fk.columns, parent), Relation(child, fk.columns, parent, fk.ref_columns, check)
                )
    return list(found.values())


def _fk_sources(
    contract: Contract, fk: ForeignKey, by_table: dict[str, str], names: dict
) -> list[tuple[str, str]]:
    found = []
    if contract.table in by_table and fk.ref_table in by_table:  # both generated as tables (--tables)
        found.append((by_table[contract.table], by_table[fk.ref_table]))

    def has(source: str, cols: tuple[str, ...]) -> bool:
        return set(cols) <= {c.name for c in names[source]}

    children = [
        s for s in names if "." not in s and table_feeds_source(contract.table, s) and has(s, fk.columns)
    ]
    parents = [
        s for s in names if "." not in s and table_feeds_source(fk.ref_table, s) and has(s, fk.ref_columns)
    ]
    return found + [(c, p) for c in children for p in parents]


def _plan(
    name: str,
    contract: Contract,
    cols: tuple[Column, ...],
    path: str,
    relations: list[Relation],
    contracts: Sequence[Contract],
) -> SourcePlan:
    downstream = lineage(contracts, name) if "." not in name else [contract]
    cols = tuple(_with_downstream_values(c, downstream) for c in cols)
    mine = tuple(r for r in relations if r.child == name and r.parent != name)
    as_parent = [r for r in relations if r.parent == name and r.child != name]
    fk_cols = {c for r in mine for c in r.child_columns}
    event = next((c.name for c in cols if c.type.startswith("timestamp") and "event" in c.name.lower()), None)
    key = _key(contract, cols, as_parent)
    if key and tuple(contract.primary_key) == key[:1]:
        event = None  # one row per key (gold.fact_orders.last_event_ts): not an event stream
    shape: Shape = "plain"
    dated_key = len(key) == 1 and next(c for c in cols if c.name == key[0]).type == "date"
    compound = [r for r in as_parent if len(r.parent_columns) > 1]
    if "." in name and compound and not table_plans.finite_child(compound[0], contracts):
        compound = []  # a compound key of uuids or numbers: keyed rows, made unique (table_plans.finish)
    if compound or dated_key:
        shape = "coverage"  # every value of the key's domain once: each day (and currency)
    elif event and key:
        shape = "events"
    elif key:
        shape = "keyed"
    lifecycle = (
        next((c.name for c in cols if c.accepted and len(c.accepted.value) >= 3), None) if event else None
    )
    date_col = next((c.name for c in cols if c.type == "date" and c.name not in key), None) if event else None
    fixed = set(key) | fk_cols | {event, lifecycle, date_col}
    hints = table_plans.hints(contract)
    specs = []
    for c in cols:
        try:
            specs.append(
                spec_for(c, NULL_SHARE if _may_be_null(c, fixed, downstream) else 0.0, hints.get(c.name))
            )
        except Ungeneratable as exc:
            raise table_plans.cannot_generate(contract, c, str(exc)) from None
    return SourcePlan(
        name,
        contract,
        path,
        tuple(specs),
        shape,
        key,
        event_column=event,
        lifecycle_column=lifecycle,
        date_column=date_col,
        parents=mine,
    )


def _with_downstream_values(col: Column, downstream: list[Contract]) -> Column:
    """Staging may load raw text as is; the accepted values a later layer enforces are the ones to draw."""
    if col.accepted is not None:
        return col
    for c in downstream:
        other = next((x for x in c.columns if x.name == col.name and x.accepted is not None), None)
        if other is not None:
            return col.with_checks(accepted=other.accepted)
    return col


def _key(contract: Contract, cols: tuple[Column, ...], as_parent: list[Relation]) -> tuple[str, ...]:
    names = [c.name for c in cols]
    for rel in as_parent:
        if len(rel.parent_columns) > 1:
            return rel.parent_columns
    if as_parent:
        return as_parent[0].parent_columns
    pk = tuple(k for k in contract.primary_key if k in names)
    if pk and len(pk) == len(contract.primary_key):
        return pk[:1] if any("event" in k for k in pk[1:]) else pk
    first = cols[0]
    if first.name.endswith("_id") or first.semantic in {"sequence", "uuid"} or first.unique:
        return (first.name,)
    return ()


def _may_be_null(col: Column, fixed: set, downstream: list[Contract]) -> bool:
    """Optional text nobody downstream requires, keys on, or computes with."""
    if col.name in fixed or not col.nullable or not (col.type == "text" or col.type.startswith("character")):
        return False
    word = re.compile(rf"\b{re.escape(col.name)}\b")
    for c in downstream:
        other = next((x for x in c.columns if x.name == col.name), None)
        if other is not None and (not other.nullable or other.unique or other.accepted or other.pattern):
            return False
        if col.name in c.primary_key or any(col.name in u.value for u in c.unique):
            return False
        if any(word.search(r.expression) for r in c.rules):
            return False
    return True


def _parents_first(names: list[str], relations: list[Relation]) -> list[str]:
    ordered: list[str] = []
    pending = sorted(names)
    while pending:
        ready = [
            n
            for n in pending
            if all(r.parent in ordered or r.parent not in pending for r in relations if r.child == n)
        ]
        ready = ready or pending[:1]  # a cycle: take the first by name
        ordered.append(ready[0])
        pending.remove(ready[0])
    return ordered


def _sized(
    plan: SourcePlan, plans: dict[str, SourcePlan], relations: list[Relation], rows: int, cal: Calendar
) -> SourcePlan:
    children = [plans[r.child] for r in relations if r.parent == plan.name and r.child != plan.name]
    domains: dict[str, tuple[object, ...]] = {}
    if plan.shape == "coverage":
        rel = next(
            (
                r
                for r in relations
                if r.parent == plan.name and r.child != plan.name and len(r.parent_columns) > 1
            ),
            None,
        )
        if rel is None:  # a table keyed by a date alone (gold.daily_revenue): its own domain
            domains = {k: domain_of(plan.spec(k), cal, plan.name) for k in plan.key}
        else:
            child = plans[rel.child]
            for child_col, parent_col in zip(rel.child_columns, rel.parent_columns, strict=True):
                domains[parent_col] = domain_of(child.spec(child_col), cal, child.name)
        count = math.prod(len(v) for v in domains.values())
    elif children:
        count = max(1, math.ceil(max(c.rows for c in children) * PARENT_SHARE))
        if "." in plan.name:  # a table: a share of --rows, not of a share of a share down a chain
            count = max(count, math.ceil(rows * PARENT_SHARE))
    else:
        count = rows
    base = 1
    key_spec = plan.spec(plan.key[0]) if plan.key else None
    if key_spec is not None and key_spec.lo is not None:
        base = int(key_spec.lo) if key_spec.kind == "int" else 1
    elif key_spec is not None and key_spec.kind == "int" and not children and key_spec.int_max > 2**40:
        # a leaf's ids start at run day * 10^9, so the files of several run dates never share an id
        base = cal.end_day * 1_000_000_000 + 1
    return replace(plan, rows=count, key_base=base, domains=domains)


def domain_of(spec: ValueSpec, cal: Calendar, source: str) -> tuple[object, ...]:
    """The finite set a column covering a compound parent key draws from (dates, currencies...)."""
    from etlq.datagen import pools  # local: pools imports Faker, only needed here and in values

    if spec.accepted:
        return spec.accepted
    if spec.kind == "date":
        return tuple(range(cal.first_day, cal.end_day))
    if spec.semantic in {"currency", "country_code"}:
        return tuple(pools.pool(spec.semantic, 0).to_pylist())
    raise EtlqError(
        f"source {source!r}: column {spec.name!r} is part of a compound foreign key "
        "but has no finite set of values",
        f"give {spec.name!r} `accepted:` values or a `semantic:` hint (currency, country_code)",
    )
