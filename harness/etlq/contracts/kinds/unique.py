"""A key no two rows share: the primary key, ``unique: true`` on a column, ``checks.unique`` lists.

Rows with a NULL in the key are not counted (as PostgreSQL's UNIQUE does); failing counts the
rows of duplicated keys, one GROUP BY per key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, TableClause, and_, func, select

from etlq.contracts.kinds.base import (
    AFTER,
    FIRST,
    CheckKind,
    ColumnScope,
    Entry,
    Found,
    Result,
    SetRun,
    Spec,
    TableScope,
)
from etlq.contracts.kinds.forms import dq_columns, gxe, rows_text
from etlq.contracts.model import Contract, Rule
from etlq.contracts.validate import severity_of
from etlq.contracts.yamlnodes import YMap


def _parse_column(scope: ColumnScope) -> dict[str, Rule]:
    rule = scope.flag("unique")
    return {"unique": rule} if rule is not None and rule.value else {}


def _parse_check(scope: TableScope, key: str) -> tuple[Rule, ...]:
    f = scope.f
    items = f.typed(scope.checks, "unique", (list,), "a list of column lists", "in checks")
    rules = []
    for item, line in zip(items, items.item_lines, strict=True):
        severity = scope.default
        if isinstance(item, YMap):
            f.known_keys(item, ("columns", "severity"), "in checks.unique")
            severity = severity_of(f, item, scope.default, "in checks.unique")
            item = item.get("columns")
        names = f.names_in(item, line, "an entry of checks.unique")
        scope.columns_exist(names, line, "checks.unique")
        rules.append(Rule(names, severity, line))
    return tuple(rules)


def _plan(contract: Contract) -> list[Entry]:
    entries = []
    if contract.primary_key:
        key = contract.primary_key
        entries.append(Entry(FIRST, ",".join(key), contract.severity, {"columns": key}))
    for i, col in enumerate(contract.columns):
        if col.unique is not None:
            entries.append(Entry(i, col.name, col.unique.severity, {"columns": (col.name,)}))
    for rule in contract.unique:
        entries.append(Entry(AFTER, ",".join(rule.value), rule.severity, {"columns": tuple(rule.value)}))
    return entries


def key_not_null(t: TableClause, columns: Sequence[str]) -> ColumnElement[bool]:
    return and_(*(t.c[c].is_not(None) for c in columns))


def duplicate_count(t: TableClause, columns: Sequence[str]) -> Select[Any]:
    """Rows whose key (all columns non-null) occurs more than once; also keys and rows seen.

    Columns: ``failing`` (rows in duplicated keys), ``duplicate_keys``, ``total`` (non-null keys' rows).
    """
    groups = (
        select(func.count().label("n"))
        .select_from(t)
        .where(key_not_null(t, columns))
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
        .where(key_not_null(t, columns))
        .group_by(*keys)
        .having(occurrences > 1)
        .order_by(occurrences.desc(), *keys)
        .limit(limit)
    )


def _run(ctx: SetRun, spec: Spec) -> Found:
    columns = spec.params["columns"]
    rows, sql, seconds = ctx.run(duplicate_count(ctx.table, columns))
    row = rows[0]._mapping
    return Found(
        int(row["failing"]),
        int(row["total"]),
        sql,
        seconds,
        sample_stmt=duplicate_sample(ctx.table, columns, ctx.sample_limit),
        facts={"duplicate_keys": row["duplicate_keys"]},
    )


def _describe(result: Result, facts: dict[str, Any]) -> str:
    keys = facts.get("duplicate_keys")
    in_keys = f" ({keys} duplicated keys)" if keys else ""
    counted = rows_text(result.failing, result.total)
    return f"{counted} sharing their ({result.spec.column}) with another row{in_keys}"


def _gx(spec: Spec) -> Any:
    if len(spec.columns) == 1:
        return gxe().ExpectColumnValuesToBeUnique(column=spec.columns[0])
    return gxe().ExpectCompoundColumnsToBeUnique(column_list=list(spec.columns))


KIND = CheckKind(
    name="unique",
    summary="no two rows share the key (primary_key, `unique: true`, checks.unique)",
    plan=_plan,
    describe=_describe,
    column_keys=("unique",),
    parse_column=_parse_column,
    check_keys=("unique",),
    parse_check=_parse_check,
    run=_run,
    needs=lambda spec: [(None, spec.params["columns"])],
    gx=_gx,
    dqdl=lambda spec, contract: f"IsUnique {dq_columns(spec.columns)}",
    declared_on=lambda col: col.unique is not None,
    clean=lambda col: {"unique": True} if col.unique is not None else {},
)
