"""``max_length: N`` on a text column: no non-NULL value longer than N characters.

Tighter than the type's own length (``character varying(200)`` with ``max_length: 40``), or a
bound on ``text``. NULL is not a failure (``nullable`` covers it), as in GX's and DQDL's forms.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func

from etlq.contracts.kinds.base import CheckKind, ColumnScope, Entry, Result, Spec
from etlq.contracts.kinds.forms import dq_string, gxe, rows_text
from etlq.contracts.model import Column, Contract, Rule
from etlq.contracts.types import is_text_type
from etlq.contracts.validate import describe


def _parse(scope: ColumnScope) -> dict[str, Rule]:
    def check(value: Any, line: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise scope.f.fail(
                line, f"'max_length' {scope.context} must be a whole number >= 1, got {describe(value)}"
            )
        if not is_text_type(scope.type):
            raise scope.f.fail(
                line,
                f"'max_length' {scope.context} needs a text type, not {scope.type}"
                " (fix: remove it, or give the column a text type)",
            )
        return value

    rule = scope.rule("max_length", "value", check)
    return {} if rule is None else {"max_length": rule}


def _plan(contract: Contract) -> list[Entry]:
    return [
        Entry(i, col.name, col.checks["max_length"].severity, {"max": col.checks["max_length"].value})
        for i, col in enumerate(contract.columns)
        if "max_length" in col.checks
    ]


def _condition(spec: Spec, t: Any) -> Any:
    col = t.c[str(spec.column)]
    return and_(col.is_not(None), func.char_length(col) > int(spec.params["max"]))


def _describe(result: Result, facts: dict[str, Any]) -> str:
    counted = rows_text(result.failing, result.total)
    return f"{counted} with {result.spec.column} longer than {result.spec.params['max']} characters"


def _violate(declared: Column, file_column: Column) -> str | None:
    """``max + 1`` characters, when the file's column takes that many and no other rule objects."""
    limit = declared.checks["max_length"].value
    if file_column.accepted or file_column.pattern or declared.accepted or declared.pattern:
        return None
    if file_column.max_length is not None and file_column.max_length <= limit:
        return None  # over the type's length: ingest quarantines it (the over_length defect)
    return ("long-" * (limit // 5 + 1))[: limit + 1]


KIND = CheckKind(
    name="max_length",
    summary="no non-NULL value longer than `max_length:` characters (text columns)",
    plan=_plan,
    describe=_describe,
    column_keys=("max_length",),
    per_value=True,
    parse_column=_parse,
    condition=_condition,
    gx=lambda s: gxe().ExpectColumnValueLengthsToBeBetween(column=str(s.column), max_value=s.params["max"]),
    dqdl=lambda spec, contract: f"ColumnLength {dq_string(str(spec.column))} <= {int(spec.params['max'])}",
    declared_on=lambda col: "max_length" in col.checks,
    clean=lambda col: {"max_length": col.checks["max_length"].value} if "max_length" in col.checks else {},
    violate=_violate,
)
