"""One logical block of a source's clean rows, as typed Arrow columns.

A block's values depend only on (seed, source, block index): its random stream is a Philox
generator keyed by those, so the write chunk size and the number of workers never change a
byte. Keys are pure functions of a global index (``key_base + index``), which lets a child
draw valid parent keys without holding the parent's keys: an order's customer is
``customer key at randint(0, customers.rows)``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etlq.datagen import pools
from etlq.datagen.plan import BLOCK_ROWS, Relation, SourcePlan
from etlq.datagen.values import Calendar, ValueSpec, decimal_array, draw, mix64, uuid_at

EVENTS_PER_ORDER = (1, 2, 3)
EVENTS_SHARE = (0.5, 0.3, 0.2)
CANCELLED_SHARE = 0.1
FAR_PAST_DAYS = 3650  # fresh rows of a coverage source sit this far before the window


@dataclass(frozen=True)
class Context:
    seed: int
    cal: Calendar
    plans: dict[str, SourcePlan]
    quarantines: frozenset[str] = frozenset()  # rules the pipeline's ingest quarantines by


def block_rng(seed: int, source: str, block: int, stream: int) -> np.random.Generator:
    """Independent stream per (seed, source, block, purpose): 0 clean rows, 1 defect rows, 2 choices."""
    return np.random.Generator(
        np.random.Philox(np.random.SeedSequence([seed, zlib.crc32(source.encode()), block, stream]))
    )


def block_bounds(plan: SourcePlan, block: int) -> tuple[int, int]:
    start = block * BLOCK_ROWS
    return start, max(0, min(BLOCK_ROWS, plan.rows - start))


def fresh_entity(plan: SourcePlan, block: int, count: int) -> np.ndarray:
    """Indices no clean row uses: defect rows get keys that no child references."""
    return plan.blocks * BLOCK_ROWS + block * BLOCK_ROWS + np.arange(count, dtype=np.int64)


def orphan_entity(plan: SourcePlan, child_block: int, count: int) -> np.ndarray:
    """Parent indices beyond every clean and fresh row: keys that exist nowhere."""
    return (
        2 * plan.blocks * BLOCK_ROWS
        + child_block * BLOCK_ROWS
        + 10_000_000
        + np.arange(count, dtype=np.int64)
    )


def key_values(plan: SourcePlan, spec: ValueSpec, entity: np.ndarray, seed: int) -> pa.Array:
    """The key column's value for each entity index (pure function; parents and children agree)."""
    if spec.kind == "uuid":
        return uuid_at(entity, seed ^ zlib.crc32(plan.name.encode()))
    numbers = pa.array(plan.key_base + entity)
    return pc.cast(numbers, pa.string()) if spec.kind == "text" else numbers


def clean_block(plan: SourcePlan, ctx: Context, block: int) -> dict[str, pa.Array]:
    start, n = block_bounds(plan, block)
    rng = block_rng(ctx.seed, plan.name, block, 0)
    if plan.shape == "events":
        return _events(plan, ctx, rng, start, n, block)
    entity = np.arange(start, start + n, dtype=np.int64)
    if plan.shape == "coverage":
        return _coverage(plan, ctx, rng, entity, None)
    return _rows(plan, ctx, rng, entity, block)


def template_rows(plan: SourcePlan, ctx: Context, block: int, count: int) -> dict[str, pa.Array]:
    """Valid rows with fresh keys, the raw material defects are planted into."""
    rng = block_rng(ctx.seed, plan.name, block, 1)
    entity = fresh_entity(plan, block, count)
    if plan.shape == "coverage":
        far = ctx.cal.first_day - FAR_PAST_DAYS - block * BLOCK_ROWS - np.arange(count)
        return _coverage(plan, ctx, rng, entity, far)
    if plan.shape == "events":
        return _with_events(
            plan, ctx, rng, _rows(plan, ctx, rng, entity, block), np.ones(count, dtype=np.int64)
        )
    return _rows(plan, ctx, rng, entity, block)


def _rows(
    plan: SourcePlan, ctx: Context, rng: np.random.Generator, entity: np.ndarray, block: int
) -> dict[str, pa.Array]:
    out: dict[str, pa.Array] = {}
    for spec in plan.specs:
        if spec.name in plan.key[:1] and plan.shape != "coverage":
            out[spec.name] = key_values(plan, spec, entity, ctx.seed)
        else:
            out[spec.name] = draw(spec, rng, entity, ctx.seed, ctx.cal)
    for rel in plan.parents:
        parent = ctx.plans[rel.parent]
        if parent.shape == "coverage":
            continue  # the child's own draws come from the parent's domains (dates in the window, currencies)
        if "." in plan.name:  # a table: keys may be compound, and a child's key may hold a parent's
            for child_col, parent_col in zip(rel.child_columns, rel.parent_columns, strict=True):
                out[child_col] = value_at(parent, parent_col, pure_picks(plan, rel, entity, ctx), ctx)
            continue
        picks = rng.integers(0, parent.rows, len(entity))
        for child_col, parent_col in zip(rel.child_columns, rel.parent_columns, strict=True):
            out[child_col] = key_values(parent, parent.spec(parent_col), picks, ctx.seed)
    for rel in plan.self_refs:
        _self_reference(plan, rel, ctx, rng, entity, out)
    return out


def pure_picks(plan: SourcePlan, rel: Relation, entity: np.ndarray, ctx: Context) -> np.ndarray:
    """Which parent row each row references: a pure function of the row index, so that a child
    of this table can recompute a key this table took from its own parent (copies.book_id)."""
    salt = zlib.crc32(f"{plan.name}|{','.join(rel.child_columns)}".encode())
    rows = max(1, ctx.plans[rel.parent].rows)
    return (mix64(entity, ctx.seed ^ salt) % np.uint64(rows)).astype(np.int64)


def value_at(plan: SourcePlan, column: str, entity: np.ndarray, ctx: Context) -> pa.Array:
    """The value ``column`` of ``plan`` has at row ``entity``, computed as ``_rows`` computes it:
    a foreign key column from its parent, the key column from the index, another key column
    (unique, uuid, discriminator) from its pure draw."""
    for rel in plan.parents:
        if column in rel.child_columns and ctx.plans[rel.parent].shape != "coverage":
            parent_col = rel.parent_columns[rel.child_columns.index(column)]
            return value_at(ctx.plans[rel.parent], parent_col, pure_picks(plan, rel, entity, ctx), ctx)
    spec = plan.spec(column)
    if column in plan.key[:1] and plan.shape != "coverage":
        return key_values(plan, spec, entity, ctx.seed)
    # unique, uuid and sequence values depend on the index alone: the random stream is unused
    return draw(spec, np.random.Generator(np.random.Philox(0)), entity, ctx.seed, ctx.cal)


def _self_reference(
    plan: SourcePlan, rel: Relation, ctx: Context, rng: np.random.Generator, entity: np.ndarray, out: dict
) -> None:
    """An earlier row's key (rows load in file order, parents first); NULL for half of the rows
    and for the first one, unless the column is NOT NULL: then the first row references itself."""
    nullable = all(plan.contract.column(c).nullable for c in rel.child_columns)
    earlier = np.minimum(entity, plan.rows)
    if nullable:
        picks = np.floor(rng.random(len(entity)) * earlier).astype(np.int64)
        missing = pa.array((earlier == 0) | (rng.random(len(entity)) < 0.5))
    else:
        picks = np.floor(rng.random(len(entity)) * (earlier + 1)).astype(np.int64)
        missing = None
    for child_col, parent_col in zip(rel.child_columns, rel.parent_columns, strict=True):
        values = value_at(plan, parent_col, picks, ctx)
        out[child_col] = (
            values if missing is None else pc.if_else(missing, pa.scalar(None, values.type), values)
        )


def _events(
    plan: SourcePlan, ctx: Context, rng: np.random.Generator, start: int, n: int, block: int
) -> dict[str, pa.Array]:
    """Orders with 1-3 events each, adjacent in the file; an order's id is its first row's index."""
    counts = rng.choice(np.array(EVENTS_PER_ORDER), size=max(n, 1), p=EVENTS_SHARE)
    ends = np.cumsum(counts)
    orders = int(np.searchsorted(ends, n)) + 1  # the first order whose events reach row n
    counts = counts[:orders].copy()
    counts[-1] -= int(ends[orders - 1]) - n  # the block's last order keeps only the events that fit
    first_rows = start + np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    per_order = _rows(plan, ctx, rng, first_rows, block)
    return _with_events(plan, ctx, rng, per_order, counts)


def _with_events(
    plan: SourcePlan,
    ctx: Context,
    rng: np.random.Generator,
    per_order: dict[str, pa.Array],
    counts: np.ndarray,
) -> dict[str, pa.Array]:
    """Repeat each order's attributes per event; event time rises, status walks the lifecycle."""
    orders = len(counts)
    total = int(counts.sum())
    repeat = np.repeat(np.arange(orders), counts)
    step = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    out = {name: arr.take(pa.array(repeat)) for name, arr in per_order.items()}
    cal = ctx.cal
    first = rng.integers(cal.first_day * 86400, cal.end_day * 86400, orders)
    room = cal.end_day * 86400 - first  # later events stay before the run date
    gaps = np.maximum(1, (rng.uniform(0.05, 1.0, (orders, 2)) * (room // 3)[:, None]).astype(np.int64))
    offsets = np.concatenate([np.zeros((orders, 1), dtype=np.int64), np.cumsum(gaps, axis=1)], axis=1)
    event_s = first[repeat] + offsets[repeat, np.minimum(step, 2)]
    if plan.event_column:
        out[plan.event_column] = pa.array(event_s, type=pa.timestamp("s"))
    if plan.date_column:
        out[plan.date_column] = pa.array((first // 86400)[repeat].astype(np.int32), type=pa.date32())
    if plan.lifecycle_column:
        out[plan.lifecycle_column] = _lifecycle(plan.spec(plan.lifecycle_column).accepted, rng, counts, step)
    return out


def _lifecycle(
    accepted: tuple[str, ...], rng: np.random.Generator, counts: np.ndarray, step: np.ndarray
) -> pa.Array:
    """Event k takes the k-th accepted value; some orders end on the last one (CANCELLED)."""
    steps = accepted[:-1] if len(accepted) >= 4 else accepted
    index = np.minimum(step, len(steps) - 1)
    if len(accepted) >= 4:
        cancel = np.repeat((rng.random(len(counts)) < CANCELLED_SHARE) & (counts >= 2), counts)
        last = step == np.repeat(counts - 1, counts)
        index = np.where(cancel & last, len(accepted) - 1, index)
    return pa.array(accepted, type=pa.string()).take(pa.array(index))


def _coverage(
    plan: SourcePlan, ctx: Context, rng: np.random.Generator, entity: np.ndarray, far_days: np.ndarray | None
) -> dict[str, pa.Array]:
    """Every combination of the key domains once (all days x all currencies), in key order."""
    out: dict[str, pa.Array] = {}
    radix = entity.copy()
    for name in reversed(plan.key):
        domain = plan.domains[name]
        digit = radix % len(domain)
        radix //= len(domain)
        if isinstance(domain[0], int) and plan.spec(name).kind == "date":
            days = (
                np.asarray(domain, dtype=np.int32)[digit] if far_days is None else far_days.astype(np.int32)
            )
            out[name] = pa.array(days, type=pa.date32())
        else:
            out[name] = pa.array([str(v) for v in domain], type=pa.string()).take(pa.array(digit))
    for spec in plan.specs:
        if spec.name not in out:
            out[spec.name] = draw(spec, rng, entity, ctx.seed, ctx.cal)
    _fx_rates(plan, out, ctx.seed)
    return {s.name: out[s.name] for s in plan.specs}


def _fx_rates(plan: SourcePlan, out: dict[str, pa.Array], seed: int) -> None:
    """A ``*rate*`` number beside a currency and a day is an FX rate: near the real level, USD = 1."""
    rate_cols = [s for s in plan.specs if "rate" in s.name.lower() and s.kind in {"decimal", "float"}]
    currency = next(
        (s.name for s in plan.specs if s.semantic == "currency" or "currency" in s.name.lower()), None
    )
    day = next((s.name for s in plan.specs if s.kind == "date"), None)
    if not rate_cols or currency is None or day is None:
        return
    codes = out[currency].to_pylist()
    level = np.array([pools.USD_PER_UNIT.get(c or "", 0.5) for c in codes])
    days = out[day].cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)
    code_ids = np.array([zlib.crc32((c or "").encode()) for c in codes], dtype=np.int64)
    noise = (mix64(days * 4_294_967_296 + code_ids, seed) >> np.uint64(11)).astype(np.float64) / 2.0**53
    rate = np.where(level == 1.0, 1.0, level * (0.97 + 0.06 * noise))
    for spec in rate_cols:
        if spec.kind == "float":
            out[spec.name] = pa.array(np.round(rate, 6))
        else:
            out[spec.name] = decimal_array(
                np.round(rate * 10**spec.scale).astype(np.int64), spec.precision, spec.scale
            )
