"""The catalog of planted defects: each kind a small plain function, listed in ``DEFECTS``.

A defect is always an extra row inserted into a block, built from a valid template row with
a fresh key (see ``blocks.template_rows``) and changed in one place. Clean rows are never
touched, so a file generated with ``--defects R`` is the ``--defects 0`` file plus the
manifest's rows, and no planted defect has side effects the manifest does not list (a
quarantined customer row never orphans an order, because no order references a fresh key).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from etlq.contracts.kinds import KINDS, CheckKind
from etlq.contracts.model import Column, Contract
from etlq.datagen.blocks import Context, key_values, orphan_entity
from etlq.datagen.expect import LOAD, QUARANTINE, check_id, rule_on, unique_key, violation
from etlq.datagen.plan import SourcePlan
from etlq.datagen.values import EPOCH, to_text
from etlq.export.files import csv_field

Row = dict[str, str | None]
UNKNOWN_VALUES = ("REFUNDED", "ON_HOLD", "DRAFT", "ARCHIVED", "UNKNOWN")
BAD_DATES = ("2024-02-30", "31/12/2023", "not-a-date", "2024-13-01")
BAD_TIMESTAMPS = ("2024-02-30T10:00:00+00:00", "yesterday", "2024-01-05T25:61:00+00:00")
BAD_NUMBERS = ("12.3.4", "abc", "1,234.50", "--5")
UNICODE_TEXT = "Zoë Ñúñez-Ærøskøbing 北京 🚀✨"
LONG_TEXT = "Ørsted-Ñúñez Ångström "
MISSING_FX_DAYS = 400  # a missing-rate row is dated this far before the window: no file has that day


@dataclass
class Site:
    """Where a defect is planted: the template row, the block's clean rows, a random stream."""

    plan: SourcePlan
    ctx: Context
    contracts: Sequence[Contract]
    row: Row
    clean: dict[str, pa.Array]  # the block's clean rows, typed
    clean_text: dict[str, pa.Array]  # the same rows as written
    rng: np.random.Generator
    block: int
    index: int  # which defect of the block
    memo: dict[str, Any]  # shared by the block's defects: lineage lookups and block-wide arrays

    def text(self, column: str, value: pa.Array) -> str | None:
        return to_text(value, self.plan.spec(column))[0].as_py()

    def clean_value(self, column: str, row: int) -> str | None:
        return self.clean_text[column][row].as_py()

    def remember(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


@dataclass(frozen=True)
class Planted:
    kind: str
    column: str | None
    expect: str
    row: Row
    raw: str | None = None  # a ragged row: the line exactly as written
    after: int = 0  # earliest position in the block (a late update follows its order's events)


Targets = Callable[[SourcePlan, Sequence[Contract]], list[str]]
Plant = Callable[[Site, str], Planted | None]


@dataclass(frozen=True)
class Defect:
    kind: str
    targets: Targets  # the columns this kind can be planted in ("*" for the whole row)
    plant: Plant


def _raw(plan: SourcePlan) -> bool:
    return "." not in plan.name


def _quarantined(site: Site, rule: str) -> bool:
    """Whether the pipeline's ingest quarantines this raw row by ``rule`` (Pipeline.quarantine_rules)."""
    return _raw(site.plan) and rule in site.ctx.quarantines


# --- null in a required column -------------------------------------------------------------


def _required(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [c for c in plan.columns if not plan.contract.column(c).nullable]


def null_required(site: Site, column: str) -> Planted:
    if _quarantined(site, "null_required"):
        expect = QUARANTINE
    elif _raw(site.plan):
        found = check_id(site.contracts, site.plan, "not_null", (column,))
        expect = found or LOAD
    else:
        expect = f"{site.plan.contract.table}::not_null[{column}]"
    return Planted("null_required", column, expect, {**site.row, column: None})


# --- out of range ---------------------------------------------------------------------------


def _ranged(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [
        s.name
        for s in plan.specs
        if s.kind in {"int", "decimal", "float"} and _bound_of(plan, contracts, s.name)
    ]


def _bound_of(
    plan: SourcePlan, contracts: Sequence[Contract], column: str, quarantined: bool = True
) -> tuple[str, Column] | None:
    """(expect, the contract column with the bound): a staging bound is enforced by ingest when
    it ``quarantined`` (its ``staging_bounds`` rule)."""
    own = plan.contract.column(column)
    if own.min is not None or own.max is not None:
        return (QUARANTINE if quarantined else f"{plan.contract.table}::range[{column}]"), own
    found = check_id(contracts, plan, "range", (column,))
    if found is None:
        return None
    return found, next(c for c in contracts if c.table == found.split("::", 1)[0]).column(column)


def out_of_range(site: Site, column: str) -> Planted:
    """One unit below the minimum (``-1.00`` for ``min: 0``), else one above the maximum."""
    quarantined = _quarantined(site, "staging_bounds")
    bound = site.remember(
        f"bound:{column}", lambda: _bound_of(site.plan, site.contracts, column, quarantined)
    )
    expect, col = bound if bound else (LOAD, site.plan.contract.column(column))
    value = float(col.min.value) - 1 if col.min is not None else float(col.max.value if col.max else 0) + 1
    spec = site.plan.spec(column)
    text = str(int(value)) if spec.kind == "int" else f"{value:.{max(spec.scale, 2)}f}"
    return Planted("out_of_range", column, expect, {**site.row, column: text})


# --- a value outside the accepted list, and case/whitespace variants of accepted ones --------


def _accepted(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [s.name for s in plan.specs if s.accepted]


def unknown_accepted(site: Site, column: str) -> Planted:
    """Ingest rejects an unknown value of a column it normalizes (status); else a check finds it."""
    known = {v.upper() for v in site.plan.spec(column).accepted}
    value = next(v for v in UNKNOWN_VALUES if v not in known)
    normalized = site.remember("normalized", lambda: _normalized(site.plan, site.contracts))
    if column in normalized and _quarantined(site, "unnormalized_value"):
        expect = QUARANTINE
    else:
        found = site.remember(
            f"accepted:{column}", lambda: check_id(site.contracts, site.plan, "accepted_values", (column,))
        )
        expect = found or LOAD
    return Planted("unknown_accepted", column, expect, {**site.row, column: value})


def _normalized(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    """Accepted values staging loads as raw text and a later layer normalizes (status ' paid ' -> PAID)."""
    return [
        s.name
        for s in plan.specs
        if s.accepted and plan.contract.column(s.name).accepted is None and _raw(plan)
    ]


def whitespace_case(site: Site, column: str) -> Planted:
    value = str(site.row[column])
    variants = (f" {value.lower()} ", value.title(), f"{value}  ", f"\t{value.lower()}")
    return Planted(
        "whitespace_case", column, LOAD, {**site.row, column: variants[site.index % len(variants)]}
    )


# --- keys: duplicates, orphans, a missing FX rate ---------------------------------------------


def _keyed(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return ["*"] if unique_key(contracts, plan) else []


def duplicate_key(site: Site, column: str) -> Planted:
    """Another row's unique key (e.g. order_id + event_ts) with different attributes, after it."""
    columns, expect = site.remember("unique", lambda: unique_key(site.contracts, site.plan)) or ((), LOAD)
    pick = int(site.rng.integers(0, len(site.clean[site.plan.columns[0]])))
    row = dict(site.row)
    for name in columns:
        row[name] = site.clean_value(name, pick)
    return Planted("duplicate_key", ",".join(columns), expect, row, after=pick + 1)


def _single_fks(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [r.child_columns[0] for r in plan.parents if len(r.child_columns) == 1]


def orphan_foreign_key(site: Site, column: str) -> Planted:
    rel = next(r for r in site.plan.parents if r.child_columns == (column,))
    parent = site.ctx.plans[rel.parent]
    value = key_values(
        parent,
        parent.spec(rel.parent_columns[0]),
        orphan_entity(parent, site.block, 1) + site.index,
        site.ctx.seed,
    )
    return Planted("orphan_foreign_key", column, rel.check_id, {**site.row, column: site.text(column, value)})


def _covered_dates(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [
        c
        for r in plan.parents
        if len(r.child_columns) > 1
        for c in r.child_columns
        if plan.spec(c).kind == "date"
    ]


def missing_fx_rate(site: Site, column: str) -> Planted:
    """A (day, currency) the parent has no row for: the day lies far before every generated window."""
    rel = next(r for r in site.plan.parents if column in r.child_columns)
    day = EPOCH + dt.timedelta(days=site.ctx.cal.first_day - MISSING_FX_DAYS - site.index)
    row = {**site.row, column: day.isoformat()}
    if site.plan.event_column:
        row[site.plan.event_column] = f"{day.isoformat()}T12:00:00+00:00"
    return Planted("missing_fx_rate", ",".join(rel.child_columns), rel.check_id, row)


# --- events: a late-arriving update --------------------------------------------------------


def _evented(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return (
        [plan.event_column] if plan.shape == "events" and plan.event_column and plan.lifecycle_column else []
    )


def late_update(site: Site, column: str) -> Planted | None:
    """An older event of an existing order arriving after its newest one: must not win."""
    first_rows, last_rows, multi, seconds = site.remember("events", lambda: _event_spans(site, column))
    if not len(multi):
        return None
    pick = int(multi[site.rng.integers(0, len(multi))])
    first, last = int(first_rows[pick]), int(last_rows[pick])
    older = (int(seconds[first]) + int(seconds[last])) // 2
    while older in set(seconds[first : last + 1].tolist()):
        older -= 1
    row = {name: site.clean_value(name, last) for name in site.plan.columns}
    row[column] = site.text(column, pa.array([older], type=pa.timestamp("s")))
    life = site.plan.lifecycle_column or ""
    row[life] = site.clean_value(life, first)
    return Planted("late_update", column, LOAD, row, after=last + 1)


def _event_spans(site: Site, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """First and last row of each order in the block, the orders with 2+ events, event seconds."""
    keys = site.clean[site.plan.key[0]].to_numpy(zero_copy_only=False)
    first_rows = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    last_rows = np.r_[first_rows[1:], len(keys)] - 1
    seconds = site.clean[column].cast(pa.int64()).to_numpy()
    return first_rows, last_rows, np.flatnonzero(last_rows > first_rows), seconds


# --- dates: malformed and future ------------------------------------------------------------


def _typed(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [s.name for s in plan.specs if s.kind in {"date", "timestamp", "int", "decimal", "float"}]


def malformed(site: Site, column: str) -> Planted | None:
    if _raw(site.plan) and not _quarantined(site, "unparseable"):
        return None  # a pipeline that does not quarantine it: no fate to expect
    kind = site.plan.spec(column).kind
    choices = BAD_DATES if kind == "date" else BAD_TIMESTAMPS if kind == "timestamp" else BAD_NUMBERS
    return Planted("malformed", column, QUARANTINE, {**site.row, column: choices[site.index % len(choices)]})


def _dated(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    related = {c for r in plan.parents for c in r.child_columns}  # a future order_date would also lack a rate
    return [
        s.name
        for s in plan.specs
        if s.kind in {"date", "timestamp"} and s.name not in related and s.name not in plan.key
    ]


def future_date(site: Site, column: str) -> Planted:
    day = site.ctx.cal.run_date + dt.timedelta(days=30 + site.index % 30)
    text = day.isoformat() if site.plan.spec(column).kind == "date" else f"{day.isoformat()}T08:00:00+00:00"
    words = ("now()", "current_date", "current_timestamp")
    expect = (
        site.remember(f"future:{column}", lambda: rule_on(site.contracts, site.plan, column, *words)) or LOAD
    )
    return Planted("future_date", column, expect, {**site.row, column: text})


# --- text: Unicode, maximum and over-maximum length -----------------------------------------


def _free_text(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [
        s.name
        for s in plan.specs
        if s.kind == "text"
        and not s.accepted
        and not s.pattern
        and s.name not in plan.key
        and s.semantic not in {"email", "phone", "url", "currency", "country_code"}
    ]


def unicode_text(site: Site, column: str) -> Planted:
    limit = site.plan.spec(column).max_length
    return Planted("unicode_text", column, LOAD, {**site.row, column: UNICODE_TEXT[:limit].strip()})


def _limited(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [c for c in _free_text(plan, contracts) if plan.spec(c).max_length]


def _typed_length(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return [c for c in _free_text(plan, contracts) if plan.spec(c).type_length]


def _text_of_length(length: int) -> str:
    text = (LONG_TEXT * (length // len(LONG_TEXT) + 1))[:length]
    return text[:-1] + "x" if text.endswith(" ") else text  # a trailing blank could be trimmed on load


def max_length(site: Site, column: str) -> Planted:
    text = _text_of_length(site.plan.spec(column).max_length or 0)
    return Planted("max_length", column, LOAD, {**site.row, column: text})


def over_length(site: Site, column: str) -> Planted | None:
    if _raw(site.plan) and not _quarantined(site, "over_length"):
        return None
    text = _text_of_length((site.plan.spec(column).type_length or 0) + 1)
    return Planted("over_length", column, QUARANTINE, {**site.row, column: text})


# --- the row itself -------------------------------------------------------------------------


def _any_row(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
    return ["*"] if len(plan.columns) > 1 else []


def ragged_row(site: Site, column: str) -> Planted | None:
    """A line with one field too few or too many."""
    if _raw(site.plan) and not _quarantined(site, "ragged_row"):
        return None
    fields = [site.row[c] for c in site.plan.columns]
    fields = fields[:-1] if site.index % 2 == 0 else [*fields, "extra"]
    return Planted("ragged_row", None, QUARANTINE, site.row, raw=",".join(csv_field(v) for v in fields))


# --- a check kind's own violation (CheckKind.violate) ------------------------------------------


def rule_violation(kind: CheckKind) -> Defect:
    """Defect ``<kind>_violation``: a value the kind's ``violate`` wrote, caught by that check."""
    name = f"{kind.name}_violation"

    def targets(plan: SourcePlan, contracts: Sequence[Contract]) -> list[str]:
        return [c for c in plan.columns if violation(contracts, plan, kind, c) is not None]

    def plant(site: Site, column: str) -> Planted | None:
        found = site.remember(f"{name}:{column}", lambda: violation(site.contracts, site.plan, kind, column))
        expect, text = found
        return Planted(name, column, expect, {**site.row, column: text})

    return Defect(name, targets, plant)


DEFECTS: tuple[Defect, ...] = (
    Defect("null_required", _required, null_required),
    Defect("out_of_range", _ranged, out_of_range),
    Defect("unknown_accepted", _accepted, unknown_accepted),
    Defect("duplicate_key", _keyed, duplicate_key),
    Defect("orphan_foreign_key", _single_fks, orphan_foreign_key),
    Defect("malformed", _typed, malformed),
    Defect("missing_fx_rate", _covered_dates, missing_fx_rate),
    Defect("late_update", _evented, late_update),
    Defect("future_date", _dated, future_date),
    Defect("unicode_text", _free_text, unicode_text),
    Defect("max_length", _limited, max_length),
    Defect("over_length", _typed_length, over_length),
    Defect("whitespace_case", _normalized, whitespace_case),
    Defect("ragged_row", _any_row, ragged_row),
    *(rule_violation(kind) for kind in KINDS if kind.violate is not None),
)
DEFECT_KINDS: tuple[str, ...] = tuple(d.kind for d in DEFECTS)
