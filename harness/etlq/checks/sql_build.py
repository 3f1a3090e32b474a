"""Check specs -> SQLAlchemy Core statements. Pure functions: nothing here runs SQL.

Every identifier is a ``quoted_name(..., quote=True)``, so SQLAlchemy always quotes it (a
column called ``x"; DROP TABLE t; --`` stays one identifier). Contract expressions and
filters are trusted SQL written by the contract's author; they go in as ``literal_column``
inside parentheses and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Interval,
    Select,
    TableClause,
    and_,
    cast,
    column,
    except_,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.sql.elements import quoted_name

from etlq.checks.results import CheckSpec

ROW_KINDS = ("not_null", "accepted_values", "range", "pattern", "expression")
SCAN_KINDS = (*ROW_KINDS, "row_count", "freshness")

# rendering for humans: a named-paramstyle dialect does not double the % signs psycopg2 needs
_DISPLAY_DIALECT = PGDialect()


def ident(name: str) -> quoted_name:
    return quoted_name(name, quote=True)


def table_of(qualified: str, columns: Sequence[str]) -> TableClause:
    """``schema.table`` with the given columns, every name quoted."""
    schema, name = qualified.split(".", 1)
    return table(ident(name), *(column(ident(c)) for c in columns), schema=ident(schema))


def predicate(sql: str) -> ColumnElement[bool]:
    """A contract-written SQL predicate, parenthesized so it cannot swallow its neighbours."""
    return literal_column(f"({sql})", type_=Boolean)


def _bound(value: Any) -> Any:
    # YAML floats compared against numeric columns would go through double precision;
    # as Decimal they compare exactly (12.35 stays 12.35)
    return Decimal(repr(value)) if isinstance(value, float) else value


def failing_condition(spec: CheckSpec, t: TableClause) -> ColumnElement[bool]:
    """The predicate that is TRUE on a failing row of a row-level check."""
    p = spec.params
    if spec.kind == "expression":
        return predicate(p["expression"]).is_not(true())
    col = t.c[str(spec.column)]
    if spec.kind == "not_null":
        return col.is_(None)
    if spec.kind == "accepted_values":
        return and_(col.is_not(None), col.not_in([_bound(v) for v in p["values"]]))
    if spec.kind == "range":
        outside = [col < _bound(p["min"])] if p.get("min") is not None else []
        outside += [col > _bound(p["max"])] if p.get("max") is not None else []
        return and_(col.is_not(None), or_(*outside) if outside else false())
    if spec.kind == "pattern":
        return and_(col.is_not(None), not_(col.regexp_match(p["pattern"])))
    raise ValueError(f"{spec.id}: not a row-level check")


def max_age(seconds: int) -> ColumnElement[Any]:
    return cast(literal(f"{int(seconds)} seconds"), Interval)


def fused_scan(t: TableClause, specs: Sequence[CheckSpec]) -> Select[Any]:
    """ONE statement for every row-level check, the row count and freshness of a table.

    Columns: ``total``, then ``c<i>`` (failing rows of the i-th row-level spec), then
    ``fresh_max_<i>``/``stale_<i>`` for freshness specs.
    """
    columns: list[ColumnElement[Any]] = [func.count().label("total")]
    for i, spec in enumerate(specs):
        if spec.kind in ROW_KINDS:
            columns.append(func.count().filter(failing_condition(spec, t)).label(f"c{i}"))
        elif spec.kind == "freshness":
            newest = func.max(t.c[spec.params["column"]])
            columns.append(newest.label(f"fresh_max_{i}"))
            columns.append(
                func.coalesce(newest < func.now() - max_age(spec.params["max_age_seconds"]), true()).label(
                    f"stale_{i}"
                )
            )
    return select(*columns).select_from(t)


def failing_rows(t: TableClause, spec: CheckSpec, order_by: Sequence[str], limit: int) -> Select[Any]:
    stmt = select(t).where(failing_condition(spec, t))
    return stmt.order_by(*(t.c[c] for c in order_by)).limit(limit)


def _key_not_null(t: TableClause, columns: Sequence[str]) -> ColumnElement[bool]:
    return and_(*(t.c[c].is_not(None) for c in columns))


def duplicate_count(t: TableClause, columns: Sequence[str]) -> Select[Any]:
    """Rows whose key (all columns non-null) occurs more than once; also keys and rows seen.

    Columns: ``failing`` (rows in duplicated keys), ``duplicate_keys``, ``total`` (non-null keys' rows).
    """
    groups = (
        select(func.count().label("n"))
        .select_from(t)
        .where(_key_not_null(t, columns))
        .group_by(*(t.c[c] for c in columns))
        .subquery("key_counts")
    )
    n = groups.c.n
    return select(
        func.coalesce(func.sum(n).filter(n > 1), 0).label("failing"),
        func.count().filter(n > 1).label("duplicate_keys"),
        func.coalesce(func.sum(n), 0).label("total"),
    )


def duplicate_sample(t: TableClause, columns: Sequence[str], limit: int) -> Select[Any]:
    keys = [t.c[c] for c in columns]
    occurrences = func.count()
    return (
        select(*keys, occurrences.label("occurrences"))
        .where(_key_not_null(t, columns))
        .group_by(*keys)
        .having(occurrences > 1)
        .order_by(occurrences.desc(), *keys)
        .limit(limit)
    )


def orphan_condition(
    child: TableClause, parent: TableClause, params: Mapping[str, Any]
) -> ColumnElement[bool]:
    """A non-null child key with no parent row (anti-join via NOT EXISTS)."""
    p = parent.alias("parent")
    match = and_(
        *(p.c[rc] == child.c[cc] for cc, rc in zip(params["columns"], params["ref_columns"], strict=True))
    )
    return and_(_key_not_null(child, params["columns"]), ~exists().where(match))


def orphan_count(child: TableClause, parent: TableClause, params: Mapping[str, Any]) -> Select[Any]:
    return (
        select(func.count().label("failing"))
        .select_from(child)
        .where(orphan_condition(child, parent, params))
    )


def orphan_sample(
    child: TableClause, parent: TableClause, params: Mapping[str, Any], order_by: Sequence[str], limit: int
) -> Select[Any]:
    stmt = select(child).where(orphan_condition(child, parent, params))
    return stmt.order_by(*(child.c[c] for c in order_by)).limit(limit)


def _filtered(stmt: Select[Any], sql: str | None) -> Select[Any]:
    return stmt.where(predicate(sql)) if sql else stmt


def reconcile_totals(source: TableClause, target: TableClause, params: Mapping[str, Any]) -> Select[Any]:
    """Counts and measure sums of both sides in one statement.

    Columns: ``source_count``, ``target_count``, ``source_sum_<i>``, ``target_sum_<i>``.
    """
    measures = params.get("measures", ())

    def side(t: TableClause, sql: str | None, name: str) -> Any:
        cols = [func.count().label("n"), *(func.sum(t.c[m]).label(f"s{i}") for i, m in enumerate(measures))]
        return _filtered(select(*cols).select_from(t), sql).subquery(name)

    s = side(source, params.get("source_filter"), "source_side")
    tg = side(target, params.get("target_filter"), "target_side")
    cols = [s.c.n.label("source_count"), tg.c.n.label("target_count")]
    for i in range(len(measures)):
        cols += [s.c[f"s{i}"].label(f"source_sum_{i}"), tg.c[f"s{i}"].label(f"target_sum_{i}")]
    return select(*cols).select_from(s).join(tg, true())


def key_difference(source: TableClause, target: TableClause, params: Mapping[str, Any], missing: bool) -> Any:
    """Distinct keys in the source but not the target (``missing``), or the other way round."""
    key = params["key"]
    from_source = _filtered(select(*(source.c[c] for c in key)), params.get("source_filter"))
    from_target = _filtered(select(*(target.c[c] for c in key)), params.get("target_filter"))
    return (except_(from_source, from_target) if missing else except_(from_target, from_source)).subquery(
        "keys"
    )


def key_difference_count(diff: Any) -> Select[Any]:
    return select(func.count().label("failing")).select_from(diff)


def key_difference_sample(diff: Any, limit: int) -> Select[Any]:
    return select(diff).order_by(*diff.c).limit(limit)


def render(stmt: Any) -> str:
    """The statement as readable SQL with values inlined (for reports, not for running)."""
    try:
        return str(stmt.compile(dialect=_DISPLAY_DIALECT, compile_kwargs={"literal_binds": True}))
    except Exception:  # a value without a literal renderer: show placeholders instead
        return str(stmt.compile(dialect=_DISPLAY_DIALECT))
