"""A key whose every non-NULL value exists in a parent table: ``references: schema.table.column``
on a column, or compound ``checks.foreign_keys`` entries. One anti-join (NOT EXISTS) each."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, TableClause, and_, exists, func, select

from etlq.contracts.kinds.base import (
    AFTER,
    CheckKind,
    ColumnScope,
    Entry,
    Found,
    Result,
    SetRun,
    Spec,
    TableScope,
)
from etlq.contracts.kinds.forms import (
    BATCH,
    alias,
    listable,
    quote,
    quote_columns,
    quote_table,
    rows_text,
    unexpected_rows,
)
from etlq.contracts.kinds.unique import key_not_null
from etlq.contracts.model import Contract, ForeignKey, Rule
from etlq.contracts.validate import describe, severity_of
from etlq.contracts.yamlnodes import YMap

QUALIFIED = re.compile(r"^[^.]+\.[^.]+$")
_COMPOUND_REF = re.compile(r"^\s*(?P<table>[^()]+?)\s*\((?P<cols>[^()]*)\)\s*$")


def _parse_column(scope: ColumnScope) -> dict[str, Rule]:
    def check(text: Any, line: int) -> ForeignKey:
        parts = text.split(".") if isinstance(text, str) else []
        if len(parts) < 3 or not all(parts):
            raise scope.f.fail(
                line, f"'references' {scope.context} must be 'schema.table.column', got {describe(text)}"
            )
        return ForeignKey((scope.name,), f"{parts[0]}.{'.'.join(parts[1:-1])}", (parts[-1],))

    rule = scope.rule("references", "value", check)
    return {} if rule is None else {"references": rule}


def _parse_check(scope: TableScope, key: str) -> tuple[Rule, ...]:
    f = scope.f
    items = f.typed(scope.checks, "foreign_keys", (list,), "a list of {columns, references}", "in checks")
    rules = []
    for item, line in zip(items, items.item_lines, strict=True):
        context = "in checks.foreign_keys"
        if not isinstance(item, YMap):
            raise f.fail(line, f"an entry of checks.foreign_keys must be a mapping, got {describe(item)}")
        f.known_keys(item, ("columns", "references", "severity"), context)
        if "columns" not in item or "references" not in item:
            raise f.fail(line, "an entry of checks.foreign_keys needs 'columns' and 'references'")
        names = f.name_list(item, "columns", context)
        scope.columns_exist(names, line, "checks.foreign_keys")
        ref_line = item.key_lines["references"]
        match = _COMPOUND_REF.match(item["references"]) if isinstance(item["references"], str) else None
        ref_cols = tuple(c.strip() for c in match.group("cols").split(",")) if match else ()
        if match is None or not QUALIFIED.match(match.group("table")) or not all(ref_cols):
            raise f.fail(
                ref_line,
                f"'references' {context} must be 'schema.table(col1, col2)', "
                f"got {describe(item['references'])}",
            )
        if len(ref_cols) != len(names):
            raise f.fail(
                ref_line, f"checks.foreign_keys: {len(names)} columns reference {len(ref_cols)} columns"
            )
        fk = ForeignKey(names, match.group("table"), ref_cols)
        rules.append(Rule(fk, severity_of(f, item, scope.default, context), line))
    return tuple(rules)


def _params(fk: ForeignKey) -> dict[str, Any]:
    return {"columns": fk.columns, "ref_table": fk.ref_table, "ref_columns": fk.ref_columns}


def _plan(contract: Contract) -> list[Entry]:
    entries = [
        Entry(i, col.name, col.references.severity, _params(col.references.value))
        for i, col in enumerate(contract.columns)
        if col.references is not None
    ]
    for rule in contract.foreign_keys:
        entries.append(Entry(AFTER, ",".join(rule.value.columns), rule.severity, _params(rule.value)))
    return entries


def orphan_condition(
    child: TableClause, parent: TableClause, params: Mapping[str, Any]
) -> ColumnElement[bool]:
    """A non-null child key with no parent row (anti-join via NOT EXISTS)."""
    p = parent.alias("parent")
    match = and_(
        *(p.c[rc] == child.c[cc] for cc, rc in zip(params["columns"], params["ref_columns"], strict=True))
    )
    return and_(key_not_null(child, params["columns"]), ~exists().where(match))


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


def _run(ctx: SetRun, spec: Spec) -> Found:
    parent = ctx.table_of(spec.params["ref_table"])
    rows, sql, seconds = ctx.run(orphan_count(ctx.table, parent, spec.params))
    sample = orphan_sample(ctx.table, parent, spec.params, ctx.order_by, ctx.sample_limit)
    return Found(rows[0]._mapping["failing"], ctx.total, sql, seconds, sample_stmt=sample)


def _orphans(spec: Spec) -> str:
    p = spec.params
    # NOT IN (not a correlated NOT EXISTS) needs no alias for the batch, which GX renders
    # either as a table or as an aliased subquery; NULL parent keys are excluded so NOT IN is exact
    parent_not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in p["ref_columns"])
    child_not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in p["columns"])
    parents = f"SELECT {quote_columns(p['ref_columns'])} FROM {quote_table(p['ref_table'])}"
    return (
        f"SELECT * FROM {BATCH} WHERE {child_not_null} AND ({quote_columns(p['columns'])}) NOT IN "
        f"({parents} WHERE {parent_not_null})"
    )


def _dqdl(spec: Spec, contract: Contract) -> str | None:
    p = spec.params
    if not listable([*p["columns"], *p["ref_columns"]]):
        return None
    cols, ref_cols = ",".join(p["columns"]), ",".join(p["ref_columns"])
    return f'ReferentialIntegrity "{cols}" "{alias(p["ref_table"])}.{{{ref_cols}}}" = 1.0'


def _describe(result: Result, facts: dict[str, Any]) -> str:
    p = result.spec.params
    ref = f"{p['ref_table']}({', '.join(p['ref_columns'])})"
    return f"{rows_text(result.failing, result.total)} whose ({result.spec.column}) has no match in {ref}"


KIND = CheckKind(
    name="foreign_key",
    summary="every non-NULL key has a parent row (`references:`, checks.foreign_keys)",
    plan=_plan,
    describe=_describe,
    column_keys=("references",),
    parse_column=_parse_column,
    check_keys=("foreign_keys",),
    parse_check=_parse_check,
    run=_run,
    needs_total=True,
    needs=lambda spec: [
        (None, spec.params["columns"]),
        (spec.params["ref_table"], spec.params["ref_columns"]),
    ],
    gx=unexpected_rows(_orphans),
    dqdl=_dqdl,
)
