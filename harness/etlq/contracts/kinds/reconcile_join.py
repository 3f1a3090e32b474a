"""The one-pass plan of a ``reconcile:`` entry, for keys the database keeps unique on both sides.

When a primary key or unique constraint/index the database enforces (valid, not deferrable,
without predicate: ``SetRun.unique_keys``) lies within the entry's key on the source and on
the target, every key is at most one row per side (NULL keys aside), so ONE ``FULL JOIN`` of
the two (filtered) sides says everything the entry checks:

- a joined row with a source key and no target key is a missing key, the reverse an extra key,
  both keys a matched pair whose ``compare`` columns differ (``IS DISTINCT FROM``) a changed key;
- each side's row count and measure sums are counted over its own half of the join.

PostgreSQL runs it as one (parallel) hash full join: one sequential scan per side, aggregates
with ``FILTER``. Declared uniqueness (``primary_key:``, a ``unique`` check) is not used: the
checks exist because declarations can be false, and one duplicated key would multiply joined
rows and make every count here wrong. A NULL in a key column breaks the argument too (unique
indexes allow many NULLs; EXCEPT counts NULL keys as one key, the join matches none), so the
statement counts joined rows with a NULL key on both halves (``null_keys``); when there are
any, the caller falls back to the general statement (``reconcile.reconciliation``).

Samples come from a second pass, only when a difference was counted: the same join, only the
rows of the failing aspects, the first ``limit`` of each by key (``row_number()``, which keeps
the join parallel; ``array_agg(... ORDER BY ...)`` in the first pass was measured slower: it
makes the whole aggregate serial, and its memory grows with the differences).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, TableClause, and_, case, func, not_, or_, select

from etlq.contracts.kinds.base import SetRun, Spec
from etlq.contracts.kinds.forms import predicate

ASPECTS = ("missing_keys", "extra_keys", "changed")


def unique_on(key: Sequence[str], enforced: Sequence[Sequence[str]]) -> bool:
    """Whether one of the ``enforced`` unique keys lies within ``key`` (so ``key`` is unique too)."""
    wanted = set(key)
    return any(k and set(k) <= wanted for k in enforced)


def _sides(source: TableClause, target: TableClause, params: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    key, measures, compare = params["key"], params.get("measures", ()), params.get("compare", ())
    columns = tuple(dict.fromkeys((*key, *measures, *compare)))

    def side(t: TableClause, sql: str | None, name: str) -> Any:
        stmt = select(*(t.c[c] for c in columns))
        return (stmt.where(predicate(sql)) if sql else stmt).subquery(name)

    s = side(source, params.get("source_filter"), "s")
    t = side(target, params.get("target_filter"), "t")
    joined = s.join(t, and_(*(s.c[c] == t.c[c] for c in key)), full=True)
    return s, t, joined


def _present(side: Any, key: Sequence[str]) -> Any:
    return and_(*(side.c[c].is_not(None) for c in key))


def _conditions(s: Any, t: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    key, compare = params["key"], params.get("compare", ())
    s_in, t_in = _present(s, key), _present(t, key)
    found = {"missing_keys": and_(s_in, not_(t_in)), "extra_keys": and_(t_in, not_(s_in))}
    if compare:
        differs = or_(*(s.c[c].is_distinct_from(t.c[c]) for c in compare))
        found["changed"] = and_(s_in, t_in, differs)
    return found


def one_pass(source: TableClause, target: TableClause, params: Mapping[str, Any]) -> Select[Any]:
    """Counts, sums and differences of both sides in one full join.

    The columns of ``reconcile.reconciliation`` (``source_count``, ``target_count``,
    ``source_sum_<i>``, ``target_sum_<i>``, ``missing_keys``, ``extra_keys``, ``changed``),
    plus ``changed_<j>`` (matched keys whose j-th ``compare`` column differs) and
    ``null_keys`` (rows with a NULL in a key column: when > 0, these numbers do not hold).
    """
    key, measures, compare = params["key"], params.get("measures", ()), params.get("compare", ())
    s, t, joined = _sides(source, target, params)
    s_in, t_in = _present(s, key), _present(t, key)
    n = func.count()
    cols: list[Any] = [n.filter(s_in).label("source_count"), n.filter(t_in).label("target_count")]
    for i, m in enumerate(measures):
        cols += [func.sum(s.c[m]).label(f"source_sum_{i}"), func.sum(t.c[m]).label(f"target_sum_{i}")]
    cols += [n.filter(cond).label(aspect) for aspect, cond in _conditions(s, t, params).items()]
    for j, c in enumerate(compare):
        cols.append(n.filter(and_(s_in, t_in, s.c[c].is_distinct_from(t.c[c]))).label(f"changed_{j}"))
    cols.append(n.filter(and_(not_(s_in), not_(t_in))).label("null_keys"))
    return select(*cols).select_from(joined)


def samples(
    source: TableClause, target: TableClause, params: Mapping[str, Any], aspects: Sequence[str], limit: int
) -> Select[Any]:
    """The first ``limit`` keys (by key) of each of ``aspects``, in one pass of the same join.

    Columns: ``a`` (the index of the aspect in ``ASPECTS``), ``k<i>`` (the i-th key column),
    ``s<j>``/``t<j>`` (the j-th compared column on the source/target side), ``rn``.
    """
    key, compare = params["key"], params.get("compare", ())
    s, t, joined = _sides(source, target, params)
    conditions = _conditions(s, t, params)
    which = case(*((conditions[a], ASPECTS.index(a)) for a in aspects))
    keys = [func.coalesce(s.c[c], t.c[c]).label(f"k{i}") for i, c in enumerate(key)]
    values = [v for j, c in enumerate(compare) for v in (s.c[c].label(f"s{j}"), t.c[c].label(f"t{j}"))]
    rows = (
        select(which.label("a"), *keys, *values)
        .select_from(joined)
        .where(or_(*(conditions[a] for a in aspects)))
        .subquery("d")
    )
    order = [rows.c[f"k{i}"] for i in range(len(key))]
    rn = func.row_number().over(partition_by=rows.c.a, order_by=order).label("rn")
    ranked = select(rows, rn).subquery("r")
    return select(ranked).where(ranked.c.rn <= limit).order_by(ranked.c.a, ranked.c.rn)


def read_samples(
    rows: Sequence[Mapping[str, Any]], params: Mapping[str, Any]
) -> dict[str, tuple[dict[str, Any], ...]]:
    """The rows of ``samples`` as each aspect's sample, shaped like the general plan's: the key
    columns, and for ``changed`` ``source_<c>``/``target_<c>`` of each compared column."""
    key, compare = params["key"], params.get("compare", ())
    out: dict[str, list[dict[str, Any]]] = {a: [] for a in ASPECTS}
    for row in rows:
        aspect = ASPECTS[row["a"]]
        sample = {c: row[f"k{i}"] for i, c in enumerate(key)}
        if aspect == "changed":
            for j, c in enumerate(compare):
                sample[f"source_{c}"], sample[f"target_{c}"] = row[f"s{j}"], row[f"t{j}"]
        out[aspect].append(sample)
    return {a: tuple(v) for a, v in out.items()}


@dataclass(frozen=True)
class Numbers:
    """What an entry's one statement found: ``plan`` "join" (``one_pass``) or "general" (the
    fallback statement), its row, the SQL and the seconds it took."""

    plan: str
    row: Mapping[str, Any]
    sql: str
    seconds: float


def numbers_of(
    ctx: SetRun,
    spec: Spec,
    source: TableClause,
    general: Callable[[TableClause, TableClause, Mapping[str, Any]], Any],
) -> Numbers:
    """One full join when the database keeps the key unique on both sides and no key is NULL,
    else (or then) the ``general`` statement."""
    p = spec.params
    seconds = 0.0
    if unique_on(p["key"], ctx.unique_keys(p["source"])) and unique_on(p["key"], ctx.unique_keys(spec.table)):
        rows, sql, seconds = ctx.run(one_pass(source, ctx.table, p))
        row = rows[0]._mapping
        if row["null_keys"] == 0:
            return Numbers("join", row, sql, seconds)
    rows, sql, more = ctx.run(general(source, ctx.table, p))
    return Numbers("general", rows[0]._mapping, sql, seconds + more)


def join_sample(
    ctx: SetRun, source: TableClause, p: Mapping[str, Any], numbers: Numbers, aspect: str
) -> tuple[dict[str, Any], ...]:
    """``aspect``'s sample: one second pass fetches the samples of every failing aspect."""
    key = f"reconcile:{p['name']}:samples"
    if key not in ctx.cache:
        failing = [a for a in ASPECTS if numbers.row.get(a)]
        ctx.cache[key] = (
            read_samples(ctx.sample(samples(source, ctx.table, p, failing, ctx.sample_limit)), p)
            if failing and ctx.sample_limit > 0
            else {}
        )
    return ctx.cache[key].get(aspect, ())  # type: ignore[no-any-return]
