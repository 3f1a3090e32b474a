"""One column's values, a block at a time: contract column -> ``ValueSpec`` -> typed Arrow array -> text.

Everything is vectorized over a block (numpy draws, ``pyarrow`` take/cast/join); nothing
calls Faker per row. Text is formatted exactly as the ETL's parser reads it: ISO dates,
ISO timestamps with an offset (``2024-01-05T10:00:00+00:00``), decimals with the column's
scale (``12.50`` for ``numeric(18,2)``), ``true``/``false``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etlq.contracts.kinds import KINDS
from etlq.contracts.model import Column
from etlq.datagen import kinds, pools
from etlq.datagen.kinds import INT_MAX, Kind, kind_of
from etlq.datagen.pattern import compile_pattern, draw_pattern, draw_unique_pattern

EPOCH = dt.date(1970, 1, 1)

# Column-name fragments -> semantic, for contracts that name a column well but give no hint.
_NAME_HINTS: tuple[tuple[str, str], ...] = (
    (r"e_?mail", "email"),
    (r"phone|mobile|^tel", "phone"),
    (r"first_?name|given_name", "first_name"),
    (r"last_?name|surname|family_name", "last_name"),
    (r"(^|_)name$|full_?name", "name"),
    (r"company|employer", "company"),
    (r"city", "city"),
    (r"country", "country_code"),
    (r"currency|^ccy", "currency"),
    (r"url|website", "url"),
    (r"address|street", "address"),
)
_PII_SEMANTIC = {
    "email": "email",
    "name": "name",
    "phone": "phone",
    "address": "address",
    "date": "past_date",
}


@dataclass(frozen=True)
class Calendar:
    """The days clean data falls in: the ``days`` days before ``run_date`` (run_date itself excluded)."""

    run_date: dt.date
    days: int = 30

    @property
    def end_day(self) -> int:  # exclusive, days since 1970-01-01
        return (self.run_date - EPOCH).days

    @property
    def first_day(self) -> int:
        return self.end_day - self.days


@dataclass(frozen=True)
class ValueSpec:
    name: str
    kind: Kind
    semantic: str | None = None
    scale: int = 0
    precision: int = 18
    tz: bool = True
    accepted: tuple[str, ...] = ()
    lo: Any = None
    hi: Any = None
    pattern: str | None = None
    max_length: int | None = None  # what clean text respects: the type's length or a max_length check
    type_length: int | None = None  # the type's own length (character varying(200)): longer is untypeable
    unique: bool = False
    null_share: float = 0.0
    int_max: int = INT_MAX["bigint"]  # the type's largest value (smallint: 32767)
    element: ValueSpec | None = None  # arrays: what one element is


class Ungeneratable(Exception):
    """A column whose values datagen cannot make; plan turns it into a one-line EtlqError."""


def spec_for(column: Column, null_share: float = 0.0, hint: dict[str, Any] | None = None) -> ValueSpec:
    """Read what a column needs from its contract: type, constraints, semantic or pii hint, name.

    ``hint`` is the column's ``x-datagen`` entry (what contract init read from the catalog: a
    domain's ``base_type`` and regex ``pattern``, an enum's ``labels``, partition ``min``/``max``).
    """
    hint = hint or {}
    pg_type = str(hint.get("base_type") or column.type)
    if pg_type.endswith("]"):
        element = replace(
            column.with_checks(unique=None, min=None, max=None), type=kinds.element_type(pg_type)
        )
        inner = spec_for(element, 0.0, {k: v for k, v in hint.items() if k != "base_type"})
        return ValueSpec(name=column.name, kind="array", element=inner, null_share=null_share)
    declared = declared_values(column)
    accepted = declared.get("accepted") or tuple(str(v) for v in hint.get("labels") or ())
    known = kind_of(pg_type)
    if known is None and not accepted:
        raise Ungeneratable(pg_type)
    kind, precision, scale = known or ("text", 0, 0)
    semantic = column.semantic or _PII_SEMANTIC.get(column.pii or "")
    if semantic is None and kind == "text":
        lowered = re.sub(r"[^a-z0-9]+", "_", column.name.lower())
        semantic = next((sem for rx, sem in _NAME_HINTS if re.search(rx, lowered)), None)
    if semantic in {"uuid"} and kind == "text":
        kind = "uuid"
    pattern = declared.get("pattern") or hint.get("pattern")
    type_length = replace(column, type=pg_type).max_length
    return ValueSpec(
        name=column.name,
        kind=kind,
        semantic=semantic,
        scale=scale,
        precision=precision,
        tz="with time zone" in pg_type,
        accepted=accepted,
        lo=_hinted(declared.get("lo"), hint.get("min")),
        hi=_hinted(declared.get("hi"), hint.get("max")),
        pattern=str(pattern) if pattern else None,
        max_length=_shortest(type_length, declared.get("max_length")),
        type_length=type_length,
        unique=bool(declared.get("unique")),
        null_share=null_share,
        int_max=INT_MAX.get(pg_type, INT_MAX["bigint"]),
    )


def declared_values(column: Column) -> dict[str, Any]:
    """What the column's checks require of clean values, as ``ValueSpec`` fields (each kind's ``clean``)."""
    found: dict[str, Any] = {}
    for kind in KINDS:
        if kind.clean is not None:
            found.update(kind.clean(column))
    return found


def _shortest(*lengths: int | None) -> int | None:
    known = [n for n in lengths if n is not None]
    return min(known) if known else None


def _hinted(value: Any, hint: Any) -> Any:
    """The contract's bound, else the hint's (ISO text for dates and timestamps)."""
    if value is not None or hint is None:
        return value
    if isinstance(hint, str):
        return dt.datetime.fromisoformat(hint) if "T" in hint or ":" in hint else dt.date.fromisoformat(hint)
    return hint


def draw(spec: ValueSpec, rng: np.random.Generator, entity: np.ndarray, seed: int, cal: Calendar) -> pa.Array:
    """``len(entity)`` values for ``spec``; ``entity`` holds global indices (uniqueness, keys)."""
    n = len(entity)
    if spec.kind == "array" and spec.element is not None:
        counts = rng.integers(0, 4, n)
        elements = draw(spec.element, rng, np.arange(int(counts.sum()), dtype=np.int64), seed, cal)
        values = kinds.array_literal(to_text(elements, spec.element), counts)
    elif spec.accepted:
        values = pa.array(spec.accepted, type=pa.string()).take(
            pa.array(rng.integers(0, len(spec.accepted), n))
        )
    elif spec.semantic == "sequence" or (spec.unique and spec.kind == "int"):
        values = pa.array(_int_lo(spec) + entity)
    elif spec.kind == "uuid":
        values = uuid_at(entity, seed)
    elif spec.kind == "int":
        lo = _int_lo(spec)
        hi = int(spec.hi) if spec.hi is not None else min(lo + 100_000, spec.int_max)
        values = pa.array(rng.integers(lo, hi + 1, n))
    elif spec.kind in _OTHER_KINDS:
        values = _OTHER_KINDS[spec.kind](spec, rng, n)
    elif spec.kind == "decimal":
        values = decimal_array(_amount_units(spec, rng, n), spec.precision, spec.scale)
    elif spec.kind == "float":
        low = float(spec.lo) if spec.lo is not None else 0.0
        high = float(spec.hi) if spec.hi is not None else low + 1000.0
        values = pa.array(np.clip(np.round(rng.uniform(low, high, n), 6), low, high))
    elif spec.kind == "bool":
        values = pa.array(rng.random(n) < 0.5)
    elif spec.kind == "date":
        lo, hi = _day_bounds(spec, cal)
        values = pa.array(rng.integers(lo, hi + 1, n).astype(np.int32), type=pa.date32())
    elif spec.kind == "timestamp":
        lo, hi = _second_bounds(spec, cal)
        seconds = rng.integers(lo, hi + 1, n)
        values = pa.array(seconds, type=pa.timestamp("s"))
    else:
        values = _text(spec, rng, entity, seed)
    if spec.null_share > 0:
        values = pc.if_else(pa.array(rng.random(n) < spec.null_share), pa.scalar(None, values.type), values)
    return values


_OTHER_KINDS = {
    "json": lambda spec, rng, n: kinds.json_values(rng, n),
    "bytea": lambda spec, rng, n: kinds.bytea_values(rng, n),
    "inet": lambda spec, rng, n: kinds.inet_values(rng, n, network=False),
    "cidr": lambda spec, rng, n: kinds.inet_values(rng, n, network=True),
    "interval": lambda spec, rng, n: kinds.interval_values(rng, n),
    "time": lambda spec, rng, n: kinds.time_values(rng, n, spec.tz),
}


def _int_lo(spec: ValueSpec) -> int:
    return int(spec.lo) if spec.lo is not None else 1


def _amount_units(spec: ValueSpec, rng: np.random.Generator, n: int) -> np.ndarray:
    """Amounts as integers in units of 10^-scale: log-normal around 80, clipped to min/max."""
    unit = 10**spec.scale
    raw = np.round(rng.lognormal(np.log(80.0), 1.0, n) * unit).astype(np.int64)
    lo = round(float(spec.lo) * unit) if spec.lo is not None else unit // 100 or 1
    cap = min(10 ** min(spec.precision, 18) - 1, 1_000_000 * unit)
    hi = round(float(spec.hi) * unit) if spec.hi is not None else cap
    return np.clip(raw, lo, hi)


def decimal_array(units: np.ndarray, precision: int, scale: int) -> pa.Array:
    """Integers counted in 10^-scale -> an Arrow decimal whose text cast prints every scale digit."""
    units = np.ascontiguousarray(units, dtype=np.int64)
    if precision <= 18:
        return pa.Array.from_buffers(pa.decimal64(precision, scale), len(units), [None, pa.py_buffer(units)])
    wide = np.ascontiguousarray(np.stack([units, units >> 63], axis=1))  # little-endian 128-bit
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(units), [None, pa.py_buffer(wide)])


def _day_bounds(spec: ValueSpec, cal: Calendar) -> tuple[int, int]:
    """Inclusive day range: the calendar window, or years back for birth dates, within min/max.

    A window that misses [min, max] (a partition range of 2024, observed dates of the past)
    gives way: the ``cal.days`` days at the end of [min, max] (or after min) are used instead.
    """
    lo, hi = cal.first_day, cal.end_day - 1
    if re.search(r"birth|dob", spec.name.lower()):
        lo, hi = cal.end_day - 90 * 365, cal.end_day - 18 * 365
    low = -(_seconds(spec.lo, up=True) // -86400) if spec.lo is not None else None
    high = _seconds(spec.hi, up=False) // 86400 if spec.hi is not None else None
    return _within(lo, hi, low, high, cal.days)


def _second_bounds(spec: ValueSpec, cal: Calendar) -> tuple[int, int]:
    """Inclusive range in whole seconds since the epoch (UTC), like ``_day_bounds``."""
    lo, hi = cal.first_day * 86400, cal.end_day * 86400 - 1
    low = _seconds(spec.lo, up=True) if spec.lo is not None else None
    high = _seconds(spec.hi, up=False) if spec.hi is not None else None
    return _within(lo, hi, low, high, cal.days * 86400)


def _within(lo: int, hi: int, low: int | None, high: int | None, span: int) -> tuple[int, int]:
    """[lo, hi] cut to [low, high]; when they do not meet, ``span`` at the end of [low, high]."""
    cut_lo = lo if low is None else max(lo, low)
    cut_hi = hi if high is None else min(hi, high)
    if cut_lo <= cut_hi:
        return cut_lo, cut_hi
    if high is None:
        return cut_lo, cut_lo + span - 1
    start = high - span + 1 if low is None else max(low, high - span + 1)
    return start, max(start, high)


def _seconds(value: Any, up: bool) -> int:
    """A date or datetime bound in whole seconds since the epoch (UTC), rounded inwards."""
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        whole, part = divmod(aware - dt.datetime(1970, 1, 1, tzinfo=dt.UTC), dt.timedelta(seconds=1))
        return whole + 1 if up and part else whole
    return (value - EPOCH).days * 86400


def _text(spec: ValueSpec, rng: np.random.Generator, entity: np.ndarray, seed: int) -> pa.Array:
    n = len(entity)
    if spec.semantic in pools.POOL_KINDS:
        vocabulary = pools.pool(spec.semantic, seed)
        if spec.unique:
            values = _unique_from_pool(spec.semantic, vocabulary, entity)
        else:
            values = vocabulary.take(pa.array(rng.integers(0, len(vocabulary), n)))
    elif spec.pattern is not None and spec.unique:
        values = draw_unique_pattern(compile_pattern(spec.pattern, spec.name), entity, seed)
    elif spec.pattern is not None:
        values = draw_pattern(compile_pattern(spec.pattern, spec.name), rng, n)
    elif spec.unique:
        number = pc.cast(pa.array(entity + 1), pa.string())
        short = spec.max_length is not None and len(spec.name) + 12 > spec.max_length
        values = number if short else pc.binary_join_element_wise(spec.name, number, "-")
    else:
        words = pools.pool("word", seed)
        values = words.take(pa.array(rng.integers(0, len(words), n)))
    if spec.max_length is not None:
        values = pc.utf8_slice_codeunits(values, 0, spec.max_length)
    return values


def _unique_from_pool(semantic: str, vocabulary: pa.StringArray, entity: np.ndarray) -> pa.Array:
    """The pool value at ``entity % size``, tagged with ``entity // size`` past the first lap."""
    size = len(vocabulary)
    base = vocabulary.take(pa.array(entity % size))
    lap = entity // size
    tag = pc.if_else(pa.array(lap == 0), "", pc.cast(pa.array(lap), pa.string()))
    if semantic != "email":
        return pc.binary_join_element_wise(
            base, pc.if_else(pa.array(lap == 0), "", pc.binary_join_element_wise("#", tag, "")), ""
        )
    parts = pc.split_pattern(base, "@", max_splits=1)
    local, domain = pc.list_element(parts, 0), pc.list_element(parts, 1)
    tagged = pc.if_else(pa.array(lap == 0), local, pc.binary_join_element_wise(local, tag, "+"))
    return pc.binary_join_element_wise(tagged, domain, "@")


def uuid_at(entity: np.ndarray, seed: int) -> pa.Array:
    """A version-4-shaped UUID that is a pure function of (seed, index)."""
    hi, lo = mix64(entity, seed), mix64(entity, seed + 0x9E37)
    return pa.array(
        [
            str(uuid.UUID(int=((int(h) << 64) | int(low)) & ~(0xF << 76) | (4 << 76)))
            for h, low in zip(hi, lo, strict=True)
        ]
    )


def mix64(values: np.ndarray, seed: int) -> np.ndarray:
    """SplitMix64 finalizer: a stateless hash of integers, for values that depend on an index only."""
    with np.errstate(over="ignore"):
        z = values.astype(np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def to_text(values: pa.Array, spec: ValueSpec) -> pa.Array:
    """Typed values -> the text the raw file holds (null stays null: an empty CSV field)."""
    kind = values.type
    if pa.types.is_string(kind):
        return values
    if pa.types.is_boolean(kind):
        return pc.if_else(values, "true", "false")
    if pa.types.is_timestamp(kind):
        text = pc.replace_substring(pc.cast(values, pa.string()), " ", "T")
        return pc.binary_join_element_wise(text, "+00:00", "") if spec.tz else text
    return pc.cast(values, pa.string())
