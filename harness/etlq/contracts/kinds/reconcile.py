"""``reconcile:`` entries: this table against its source, as four checks per entry: row counts
(``.count``), each measure's sum within tolerance (``.sum(m)``), source keys missing here
(``.missing_keys``) and keys here not in the source (``.extra_keys``); and with ``compare:``,
a fifth: keys on both sides whose compared columns differ (``.changed``), text columns
included, compared with ``IS DISTINCT FROM`` (so a NULL on one side only is a change).

All of one entry come from one statement, run once. When the database enforces a primary or
unique key within the entry's key on both sides, that is one FULL JOIN pass
(``reconcile_join``: one scan per side, counts with FILTER, and one more pass for the samples
when a difference is found). Otherwise, or when a key is NULL, the general statement:
each side is read once (a filtered side is materialized, so its filter runs once however often
it is read), then counted, summed and compared both ways with EXCEPT, which counts distinct
keys however often they repeat. Failing keys are sampled only when a difference fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, TableClause, and_, except_, func, or_, select, true

from etlq.contracts.kinds.base import LAST, CheckKind, Entry, Found, Result, SetRun, Spec, TableScope
from etlq.contracts.kinds.foreign_key import QUALIFIED
from etlq.contracts.kinds.forms import (
    BATCH,
    alias,
    dq_string,
    listable,
    predicate,
    quote,
    quote_columns,
    quote_table,
    rows_text,
    spark_name,
    unexpected_rows,
    where,
)
from etlq.contracts.kinds.reconcile_join import ASPECTS, Numbers, join_sample, numbers_of
from etlq.contracts.model import Contract, Reconcile
from etlq.contracts.validate import close_match, describe, severity_of
from etlq.contracts.yamlnodes import YList, YMap

KEYS = (
    "name",
    "source",
    "key",
    "measures",
    "compare",
    "source_filter",
    "target_filter",
    "tolerance",
    "severity",
)


def _parse_top(scope: TableScope, items: YList) -> tuple[Reconcile, ...]:
    f = scope.f
    out: list[Reconcile] = []
    for item, line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, YMap):
            raise f.fail(line, f"an entry of reconcile must be a mapping, got {describe(item)}")
        f.known_keys(item, KEYS, "in reconcile")
        for key in ("name", "source", "key"):
            if key not in item:
                raise f.fail(line, f"an entry of reconcile needs {key!r}")
        name = f.typed(item, "name", (str,), "text", "in reconcile")
        context = f"in reconcile {name!r}"
        if any(r.name == name for r in out):
            raise f.fail(item.key_lines["name"], f"reconcile: duplicate name {name!r}")
        source = f.typed(item, "source", (str,), "'schema.table'", context)
        if not QUALIFIED.match(source):
            raise f.fail(
                item.key_lines["source"], f"'source' {context} must be 'schema.table', got {source!r}"
            )
        key_columns = f.name_list(item, "key", context)
        measures = f.name_list(item, "measures", context) if "measures" in item else ()
        compare = f.name_list(item, "compare", context) if "compare" in item else ()
        for col in compare:
            if col in key_columns:
                raise f.fail(
                    item.key_lines["compare"],
                    f"reconcile {name!r} compares key column {col!r}: keys are matched, not compared"
                    " (remove it from 'compare')",
                )
        for col in key_columns + measures + compare:
            if col not in scope.column_names:
                raise f.fail(
                    line,
                    f"reconcile {name!r} names column {col!r}, which is not in 'columns'"
                    f"{close_match(col, scope.column_names)}",
                )
        filters = {
            k: f.typed(item, k, (str,), "an SQL predicate (text) or null", context)
            if item.get(k) is not None
            else None
            for k in ("source_filter", "target_filter")
        }
        tolerance = (
            f.typed(item, "tolerance", (int, float), "a number", context) if "tolerance" in item else 0
        )
        severity = severity_of(f, item, scope.default, context)
        out.append(
            Reconcile(
                name,
                source,
                key_columns,
                measures,
                filters["source_filter"],
                filters["target_filter"],
                float(tolerance),
                severity,
                line,
                compare,
            )
        )
    return tuple(out)


def _plan(contract: Contract) -> list[Entry]:
    entries = []
    for rec in contract.reconcile:
        common = {
            "name": rec.name,
            "source": rec.source,
            "key": rec.key,
            "measures": rec.measures,
            "source_filter": rec.source_filter,
            "target_filter": rec.target_filter,
            "compare": rec.compare,
        }
        entries.append(Entry(LAST, f"{rec.name}.count", rec.severity, {"aspect": "count", **common}))
        for measure in rec.measures:
            params = {"aspect": "sum", "measure": measure, "tolerance": rec.tolerance, **common}
            entries.append(Entry(LAST, f"{rec.name}.sum({measure})", rec.severity, params))
        entries.append(
            Entry(LAST, f"{rec.name}.missing_keys", rec.severity, {"aspect": "missing_keys", **common})
        )
        entries.append(
            Entry(LAST, f"{rec.name}.extra_keys", rec.severity, {"aspect": "extra_keys", **common})
        )
        if rec.compare:
            entries.append(Entry(LAST, f"{rec.name}.changed", rec.severity, {"aspect": "changed", **common}))
    return entries


def _columns(spec: Spec) -> tuple[str, ...]:
    # all of them: every check of one reconcile entry shares one statement
    p = spec.params
    return tuple(dict.fromkeys((*p["key"], *p.get("measures", ()), *p.get("compare", ()))))


def _filtered(stmt: Select[Any], sql: str | None) -> Select[Any]:
    return stmt.where(predicate(sql)) if sql else stmt


def reconciliation(source: TableClause, target: TableClause, params: Mapping[str, Any]) -> Select[Any]:
    """Counts, measure sums and key differences of both sides in one statement.

    Columns: ``source_count``, ``target_count``, ``source_sum_<i>``, ``target_sum_<i>``,
    ``missing_keys`` and ``extra_keys`` (distinct keys on one side only) and, with ``compare``,
    ``changed`` (distinct keys on both sides whose compared values differ).
    """
    key, measures, compare = params["key"], params.get("measures", ()), params.get("compare", ())

    def side(t: TableClause, sql: str | None, name: str) -> Any:
        columns = dict.fromkeys((*key, *measures, *compare))
        # unfiltered, PostgreSQL reads the table itself each time; a filter is run once
        how = "MATERIALIZED" if sql else "NOT MATERIALIZED"
        return _filtered(select(*(t.c[c] for c in columns)), sql).cte(name).prefix_with(how)

    def totals(cte: Any, name: str) -> Any:
        sums = (func.sum(cte.c[m]).label(f"s{i}") for i, m in enumerate(measures))
        return select(func.count().label("n"), *sums).select_from(cte).subquery(name)

    def only_in(one: Any, other: Any, name: str) -> Any:
        keys = except_(select(*(one.c[c] for c in key)), select(*(other.c[c] for c in key)))
        return select(func.count().label("n")).select_from(keys.subquery()).subquery(name)

    s_cte = side(source, params.get("source_filter"), "source_rows")
    t_cte = side(target, params.get("target_filter"), "target_rows")
    s, tg = totals(s_cte, "source_side"), totals(t_cte, "target_side")
    missing, extra = only_in(s_cte, t_cte, "missing"), only_in(t_cte, s_cte, "extra")
    cols = [s.c.n.label("source_count"), tg.c.n.label("target_count")]
    for i in range(len(measures)):
        cols += [s.c[f"s{i}"].label(f"source_sum_{i}"), tg.c[f"s{i}"].label(f"target_sum_{i}")]
    cols += [missing.c.n.label("missing_keys"), extra.c.n.label("extra_keys")]
    stmt = select(*cols).select_from(s).join(tg, true()).join(missing, true()).join(extra, true())
    if not compare:
        return stmt
    keys = changed_keys(s_cte, t_cte, params).subquery()
    changed = select(func.count().label("n")).select_from(keys).subquery("changed")
    return stmt.add_columns(changed.c.n.label("changed")).join(changed, true())


def changed_keys(source: Any, target: Any, params: Mapping[str, Any]) -> Select[Any]:
    """Distinct keys of rows on both sides whose ``compare`` columns differ (NULL-safe)."""
    key, compare = params["key"], params["compare"]
    matched = and_(*(source.c[c] == target.c[c] for c in key))
    differs = or_(*(source.c[c].is_distinct_from(target.c[c]) for c in compare))
    return select(*(source.c[c] for c in key)).join_from(source, target, matched).where(differs).distinct()


def key_difference(source: TableClause, target: TableClause, params: Mapping[str, Any], missing: bool) -> Any:
    """Distinct keys in the source but not the target (``missing``), or the other way round."""
    key = params["key"]
    from_source = _filtered(select(*(source.c[c] for c in key)), params.get("source_filter"))
    from_target = _filtered(select(*(target.c[c] for c in key)), params.get("target_filter"))
    return (except_(from_source, from_target) if missing else except_(from_target, from_source)).subquery(
        "keys"
    )


def _difference(source: Any, target: Any, tolerance: float) -> tuple[Any, bool]:
    src, tgt = source or 0, target or 0
    if isinstance(src, Decimal) or isinstance(tgt, Decimal):
        exact = Decimal(src) - Decimal(tgt)
        return exact, abs(exact) > Decimal(repr(tolerance))
    return src - tgt, abs(src - tgt) > tolerance


def _run(ctx: SetRun, spec: Spec) -> Found:
    p = spec.params
    source = ctx.table_of(p["source"])
    key = f"reconcile:{p['name']}"
    if key not in ctx.cache:
        ctx.cache[key] = numbers_of(ctx, spec, source, reconciliation)
    numbers: Numbers = ctx.cache[key]
    row, sql, seconds = numbers.row, numbers.sql, numbers.seconds
    aspect = p["aspect"]
    if aspect in ASPECTS and numbers.plan == "join":
        failing = row[aspect]
        found = join_sample(ctx, source, p, numbers, aspect) if failing else ()
        compare = p.get("compare", ())
        facts = (
            {"by_column": {c: row[f"changed_{j}"] for j, c in enumerate(compare)}}
            if aspect == "changed"
            else {}
        )
        return Found(failing, None, sql, seconds, sample_rows=found, facts=facts)
    if aspect in ("missing_keys", "extra_keys"):
        diff = key_difference(source, ctx.table, p, missing=aspect == "missing_keys")
        sample = select(diff).order_by(*diff.c).limit(ctx.sample_limit)
        return Found(row[aspect], None, sql, seconds, sample_stmt=sample)
    if aspect == "changed":
        return Found(row["changed"], None, sql, seconds, sample_stmt=_changed_sample(source, ctx, p))
    if aspect == "count":
        failing = abs(row["source_count"] - row["target_count"])
        facts = {"source": row["source_count"], "target": row["target_count"]}
        return Found(failing, row["target_count"], sql, seconds, facts=facts)
    i = tuple(p.get("measures", ())).index(p["measure"])
    diff, out = _difference(row[f"source_sum_{i}"], row[f"target_sum_{i}"], p.get("tolerance", 0.0))
    facts = {"source": row[f"source_sum_{i}"], "target": row[f"target_sum_{i}"], "diff": diff}
    return Found(int(out), row["target_count"], sql, seconds, facts=facts)


def _changed_sample(source: TableClause, ctx: SetRun, p: Mapping[str, Any]) -> Select[Any]:
    """The first changed keys with each compared column's value on both sides."""
    src = _filtered(select(source), p.get("source_filter")).subquery("s")
    tgt = _filtered(select(ctx.table), p.get("target_filter")).subquery("t")
    key, compare = p["key"], p["compare"]
    matched = and_(*(src.c[c] == tgt.c[c] for c in key))
    differs = or_(*(src.c[c].is_distinct_from(tgt.c[c]) for c in compare))
    values = [v for c in compare for v in (src.c[c].label(f"source_{c}"), tgt.c[c].label(f"target_{c}"))]
    keys = [src.c[c] for c in key]
    return (
        select(*keys, *values)
        .join_from(src, tgt, matched)
        .where(differs)
        .order_by(*keys)
        .limit(ctx.sample_limit)
    )


def _gx_query(spec: Spec) -> str:
    p = spec.params
    source = f"{quote_table(p['source'])}{where(p.get('source_filter'))}"
    target = f"{BATCH}{where(p.get('target_filter'))}"
    key = quote_columns(p["key"])
    aspect = p["aspect"]
    if aspect == "missing_keys":
        return f"SELECT {key} FROM {source} EXCEPT SELECT {key} FROM {target}"
    if aspect == "extra_keys":
        return f"SELECT {key} FROM {target} EXCEPT SELECT {key} FROM {source}"
    if aspect == "changed":
        matched = " AND ".join(f"s.{c} = t.{c}" for c in map(quote, p["key"]))
        differs = " OR ".join(f"s.{c} IS DISTINCT FROM t.{c}" for c in map(quote, p["compare"]))
        keys = ", ".join(f"s.{c}" for c in map(quote, p["key"]))
        return (
            f"SELECT DISTINCT {keys} FROM (SELECT * FROM {source}) s"
            f" JOIN (SELECT * FROM {target}) t ON {matched} WHERE {differs}"
        )
    if aspect == "count":  # one row per row of difference, so the row count is the difference
        difference = f"(SELECT count(*) FROM {source}) - (SELECT count(*) FROM {target})"
        return f"SELECT generate_series(1, abs({difference}))"
    m = quote(p["measure"])
    diff = f"coalesce((SELECT sum({m}) FROM {source}), 0) - coalesce((SELECT sum({m}) FROM {target}), 0)"
    return f"SELECT 1 AS out_of_tolerance WHERE abs({diff}) > {float(p.get('tolerance', 0.0))!r}"


def _dqdl(spec: Spec, contract: Contract) -> str | None:
    p = spec.params
    if p.get("source_filter") or p.get("target_filter"):
        return None
    source = alias(p["source"])
    if p["aspect"] == "count":
        return f"RowCountMatch {dq_string(source)} = 1.0"
    if p["aspect"] == "sum" and not p.get("tolerance"):
        m = spark_name(p["measure"])
        return f"AggregateMatch {dq_string(f'sum({m})')} {dq_string(f'sum({source}.{m})')} = 1.0"
    if p["aspect"] == "extra_keys" and listable(p["key"]):  # every target key exists in the source
        key = ",".join(p["key"])
        return f'ReferentialIntegrity "{key}" "{source}.{{{key}}}" = 1.0'
    return None


def _sql(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _describe(result: Result, facts: dict[str, Any]) -> str:
    p = result.spec.params
    aspect, source, target = p["aspect"], p["source"], result.spec.table
    if aspect in ("count", "sum") and "source" not in facts:  # an engine that only counts
        return f"{aspect} differs between {source} and {target}" if result.failing else f"{aspect} matches"
    if aspect == "count":
        counts = f"{source} has {facts['source']} rows, {target} has {facts['target']}"
        return f"{counts} (difference {result.failing})"
    if aspect == "sum":
        m = p["measure"]
        tolerance = f" (tolerance {p.get('tolerance', 0)})" if p.get("tolerance") else ""
        sums = f"sum({m}): {source} {_sql(facts['source'])}, {target} {_sql(facts['target'])}"
        return f"{sums}, difference {facts['diff']}{tolerance}"
    if aspect == "missing_keys":
        return f"{rows_text(result.failing).replace('row', 'key')} of {source} missing in {target}"
    if aspect == "changed":
        columns = ", ".join(p["compare"])
        keys = rows_text(result.failing).replace("row", "key")
        by_column = facts.get("by_column") or {}
        each = f" ({', '.join(f'{c} {n}' for c, n in by_column.items())})" if len(by_column) > 1 else ""
        return f"{keys} with other values of {columns} in {target} than in {source}{each}"
    return f"{rows_text(result.failing).replace('row', 'key')} in {target} not in {source}"


KIND = CheckKind(
    name="reconcile",
    summary="this table against its source: counts, sums, missing, extra and changed keys (reconcile:)",
    plan=_plan,
    describe=_describe,
    top_keys=("reconcile",),
    parse_top=_parse_top,
    run=_run,
    needs=lambda spec: [(None, _columns(spec)), (spec.params["source"], _columns(spec))],
    aggregate=True,
    gx=unexpected_rows(_gx_query),
    dqdl=_dqdl,
)
