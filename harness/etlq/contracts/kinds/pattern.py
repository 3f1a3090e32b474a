"""``pattern:`` on a column: every non-NULL value matches the regular expression (PostgreSQL ``~``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, not_

from etlq.contracts.kinds.base import CheckKind, ColumnScope, Entry, Result, Spec
from etlq.contracts.kinds.forms import dq_string, gxe, rows_text
from etlq.contracts.model import Contract, Rule
from etlq.contracts.validate import describe


def _parse(scope: ColumnScope) -> dict[str, Rule]:
    def check(value: Any, line: int) -> str:
        if not isinstance(value, str) or not value:
            raise scope.f.fail(
                line, f"'pattern' {scope.context} must be a regular expression (text), got {describe(value)}"
            )
        return value

    rule = scope.rule("pattern", "value", check)
    return {} if rule is None else {"pattern": rule}


def _plan(contract: Contract) -> list[Entry]:
    return [
        Entry(i, col.name, col.pattern.severity, {"pattern": col.pattern.value})
        for i, col in enumerate(contract.columns)
        if col.pattern is not None
    ]


def _condition(spec: Spec, t: Any) -> Any:
    col = t.c[str(spec.column)]
    return and_(col.is_not(None), not_(col.regexp_match(spec.params["pattern"])))


def _describe(result: Result, facts: dict[str, Any]) -> str:
    counted = rows_text(result.failing, result.total)
    return f"{counted} with {result.spec.column} not matching {result.spec.params['pattern']!r}"


KIND = CheckKind(
    name="pattern",
    summary="every non-NULL value matches `pattern:` (a PostgreSQL regular expression)",
    plan=_plan,
    describe=_describe,
    column_keys=("pattern",),
    per_value=True,
    parse_column=_parse,
    condition=_condition,
    gx=lambda s: gxe().ExpectColumnValuesToMatchRegex(column=str(s.column), regex=s.params["pattern"]),
    dqdl=lambda spec, contract: (
        f"ColumnValues {dq_string(str(spec.column))} matches {dq_string(spec.params['pattern'])}"
    ),
    declared_on=lambda col: col.pattern is not None,
    clean=lambda col: {"pattern": col.pattern.value} if col.pattern else {},
)
