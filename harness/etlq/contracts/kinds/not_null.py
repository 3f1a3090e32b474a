"""``nullable: false`` on a column: no NULL in it."""

from __future__ import annotations

from typing import Any

from etlq.contracts.kinds.base import CheckKind, ColumnScope, Entry, Result
from etlq.contracts.kinds.forms import dq_string, gxe, rows_text
from etlq.contracts.model import Contract, Rule


def _parse(scope: ColumnScope) -> dict[str, Rule]:
    nullable = scope.flag("nullable")
    if nullable is None or nullable.value:
        return {}
    return {"not_null": Rule(True, nullable.severity, nullable.line)}


def _plan(contract: Contract) -> list[Entry]:
    return [
        Entry(i, col.name, col.not_null.severity)
        for i, col in enumerate(contract.columns)
        if col.not_null is not None
    ]


def _describe(result: Result, facts: dict[str, Any]) -> str:
    return f"{rows_text(result.failing, result.total)} with NULL {result.spec.column}"


KIND = CheckKind(
    name="not_null",
    summary="no NULL in the column (`nullable: false`)",
    plan=_plan,
    describe=_describe,
    column_keys=("nullable",),
    parse_column=_parse,
    condition=lambda spec, t: t.c[str(spec.column)].is_(None),
    gx=lambda s: gxe().ExpectColumnValuesToNotBeNull(column=str(s.column)),
    dqdl=lambda spec, contract: f"IsComplete {dq_string(str(spec.column))}",
    declared_on=lambda col: col.not_null is not None,
)
