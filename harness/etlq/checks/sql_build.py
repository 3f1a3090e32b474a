"""Check specs -> SQLAlchemy Core statements for the fused per-table scan. Pure functions:
nothing here runs SQL. Each kind's own statements live in its module (etlq.contracts.kinds).

Every identifier is a ``quoted_name(..., quote=True)``, so SQLAlchemy always quotes it (a
column called ``x"; DROP TABLE t; --`` stays one identifier). Contract expressions and
filters are trusted SQL written by the contract's author; they go in as ``literal_column``
inside parentheses and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, TableClause, func, select
from sqlalchemy.dialects.postgresql.base import PGDialect

from etlq.checks.results import CheckSpec
from etlq.contracts.kinds import BY_NAME, KINDS
from etlq.contracts.kinds.forms import ident, predicate, table_of
from etlq.contracts.metrics import DAY_TOTAL, ROW_COUNT, label, metric_column

ROW_KINDS = tuple(k.name for k in KINDS if k.condition is not None)
SCAN_KINDS = (*ROW_KINDS, *(k.name for k in KINDS if k.scan is not None))

# rendering for humans: a named-paramstyle dialect does not double the % signs psycopg2 needs
_DISPLAY_DIALECT = PGDialect()


def failing_condition(spec: CheckSpec, t: TableClause) -> ColumnElement[bool]:
    """The predicate that is TRUE on a failing row of a row-level check."""
    condition = BY_NAME[spec.kind].condition if spec.kind in BY_NAME else None
    if condition is None:
        raise ValueError(f"{spec.id}: not a row-level check")
    return condition(spec, t)  # type: ignore[no-any-return]


def fused_scan(
    t: TableClause,
    specs: Sequence[CheckSpec],
    metrics: Sequence[tuple[str, str | None]] = (),
    day: Any = None,
) -> Select[Any]:
    """ONE statement for every row-level check and every scan kind (row count, freshness) of a table.

    Columns: ``total``, then ``c<i>`` (failing rows of the i-th row-level spec), then what each
    scan kind adds for its i-th spec (freshness: ``fresh_max_<i>``, ``stale_<i>``), then
    ``m<n>`` for the n-th history metric (``etlq.contracts.metrics``) that needs a column; with
    ``day`` (the run date's rows, ``metrics.day_rows``) those are about that day, counted in
    ``day_total``.
    """
    columns: list[ColumnElement[Any]] = [func.count().label("total")]
    for i, spec in enumerate(specs):
        kind = BY_NAME[spec.kind]
        if kind.condition is not None:
            columns.append(func.count().filter(kind.condition(spec, t)).label(f"c{i}"))
        elif kind.scan is not None:
            columns.extend(kind.scan(spec, t, i))
    if metrics and day is not None:
        columns.append(func.count().filter(day).label(DAY_TOTAL))
    for n, (metric, column) in enumerate(metrics):
        if metric != ROW_COUNT:
            columns.append(metric_column(metric, column, t, label(n), day))
    return select(*columns).select_from(t)


def failing_rows(t: TableClause, spec: CheckSpec, order_by: Sequence[str], limit: int) -> Select[Any]:
    stmt = select(t).where(failing_condition(spec, t))
    return stmt.order_by(*(t.c[c] for c in order_by)).limit(limit)


def render(stmt: Any) -> str:
    """The statement as readable SQL with values inlined (for reports, not for running)."""
    try:
        return str(stmt.compile(dialect=_DISPLAY_DIALECT, compile_kwargs={"literal_binds": True}))
    except Exception:  # a value without a literal renderer: show placeholders instead
        return str(stmt.compile(dialect=_DISPLAY_DIALECT))


__all__ = [
    "ROW_KINDS",
    "SCAN_KINDS",
    "failing_condition",
    "failing_rows",
    "fused_scan",
    "ident",
    "predicate",
    "render",
    "table_of",
]
