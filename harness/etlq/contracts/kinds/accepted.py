"""``accepted: [...]`` on a column: every non-NULL value is one of the list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_

from etlq.contracts.kinds.base import CheckKind, ColumnScope, Entry, Result, Spec
from etlq.contracts.kinds.forms import bound, dq_string, dq_value, gxe, rows_text, values_text
from etlq.contracts.model import Contract, Rule
from etlq.contracts.types import is_numeric_type
from etlq.contracts.validate import describe
from etlq.contracts.yamlnodes import YList


def _parse(scope: ColumnScope) -> dict[str, Rule]:
    def check(value: Any, line: int) -> tuple[Any, ...]:
        if (
            not isinstance(value, YList)
            or not value
            or any(isinstance(v, (dict, list)) or v is None for v in value)
        ):
            raise scope.f.fail(
                line, f"'accepted' {scope.context} must be a non-empty list of values, got {describe(value)}"
            )
        if is_numeric_type(scope.type) or scope.type == "boolean":
            return tuple(value)
        # YAML 1.1 reads NO/yes/on as booleans; for a text column the author meant the text
        return tuple(str(raw) if raw is not None else str(v) for v, raw in zip(value, value.raw, strict=True))

    rule = scope.rule("accepted", "values", check)
    return {} if rule is None else {"accepted": rule}


def _plan(contract: Contract) -> list[Entry]:
    return [
        Entry(i, col.name, col.accepted.severity, {"values": tuple(col.accepted.value)})
        for i, col in enumerate(contract.columns)
        if col.accepted is not None
    ]


def _dqdl(spec: Spec, contract: Contract) -> str:
    values = [dq_value(v) for v in spec.params["values"]]
    if contract.column(str(spec.column)).nullable:
        values.append("NULL")  # NULL is not a failure of accepted_values; nullable covers it
    return f"ColumnValues {dq_string(str(spec.column))} in [{', '.join(values)}]"


def _describe(result: Result, facts: dict[str, Any]) -> str:
    counted = rows_text(result.failing, result.total)
    return f"{counted} with {result.spec.column} outside {values_text(result.spec.params['values'])}"


def _condition(spec: Spec, t: Any) -> Any:
    col = t.c[str(spec.column)]
    return and_(col.is_not(None), col.not_in([bound(v) for v in spec.params["values"]]))


KIND = CheckKind(
    name="accepted_values",
    summary="every non-NULL value is one of `accepted: [...]`",
    plan=_plan,
    describe=_describe,
    column_keys=("accepted",),
    per_value=True,
    parse_column=_parse,
    condition=_condition,
    gx=lambda s: gxe().ExpectColumnValuesToBeInSet(column=str(s.column), value_set=list(s.params["values"])),
    dqdl=_dqdl,
    declared_on=lambda col: col.accepted is not None,
    clean=lambda col: {"accepted": tuple(str(v) for v in col.accepted.value)} if col.accepted else {},
)
