"""``min:`` / ``max:`` on a column: every non-NULL value within the inclusive bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, false, or_

from etlq.contracts.kinds.base import CheckKind, ColumnScope, Entry, Result, Spec
from etlq.contracts.kinds.forms import bound, bounds_text, dq_bounds, dq_string, gx_bounds, gxe, rows_text
from etlq.contracts.model import Contract, Rule, Severity
from etlq.contracts.types import is_numeric_type, is_temporal_type
from etlq.contracts.validate import Source, describe


def _bound(f: Source, value: Any, col_type: str, line: int, key: str, context: str) -> Any:
    if is_numeric_type(col_type):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return value
        raise f.fail(line, f"{key!r} {context} must be a number for type {col_type}, got {describe(value)}")
    if is_temporal_type(col_type):
        if isinstance(value, (dt.date, dt.datetime)):
            return value
        if isinstance(value, str):
            try:
                return (
                    dt.datetime.fromisoformat(value)
                    if "T" in value or ":" in value
                    else dt.date.fromisoformat(value)
                )
            except ValueError:
                pass
        raise f.fail(
            line, f"{key!r} {context} must be a date (YYYY-MM-DD) for type {col_type}, got {describe(value)}"
        )
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        return value
    raise f.fail(line, f"{key!r} {context} must be a number, date or text, got {describe(value)}")


def _parse(scope: ColumnScope) -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for key in ("min", "max"):

        def check(value: Any, line: int, key: str = key) -> Any:
            return _bound(scope.f, value, scope.type, line, key, scope.context)

        rule = scope.rule(key, "value", check)
        if rule is not None:
            found[key] = rule
    if "min" in found and "max" in found and found["min"].value > found["max"].value:
        raise scope.f.fail(
            found["max"].line,
            f"'max' {scope.context} ({found['max'].value}) is below 'min' ({found['min'].value})",
        )
    return found


def _strictest(*rules: Rule | None) -> Severity:
    # a range check with min and max of different severities is one check: the stricter wins
    return "error" if any(r is not None and r.severity == "error" for r in rules) else "warn"


def _plan(contract: Contract) -> list[Entry]:
    return [
        Entry(
            i,
            col.name,
            _strictest(col.min, col.max),
            {
                "min": None if col.min is None else col.min.value,
                "max": None if col.max is None else col.max.value,
            },
        )
        for i, col in enumerate(contract.columns)
        if col.min is not None or col.max is not None
    ]


def _condition(spec: Spec, t: Any) -> Any:
    col, p = t.c[str(spec.column)], spec.params
    outside = [col < bound(p["min"])] if p.get("min") is not None else []
    outside += [col > bound(p["max"])] if p.get("max") is not None else []
    return and_(col.is_not(None), or_(*outside) if outside else false())


def _describe(result: Result, facts: dict[str, Any]) -> str:
    counted = rows_text(result.failing, result.total)
    return f"{counted} with {result.spec.column} not {bounds_text(result.spec.params)}"


def _clean(col: Any) -> dict[str, Any]:
    found = {"lo": col.min.value if col.min else None, "hi": col.max.value if col.max else None}
    return {k: v for k, v in found.items() if v is not None}


KIND = CheckKind(
    name="range",
    summary="every non-NULL value within `min:` and/or `max:` (inclusive)",
    plan=_plan,
    describe=_describe,
    column_keys=("min", "max"),
    per_value=True,
    parse_column=_parse,
    condition=_condition,
    gx=lambda s: gxe().ExpectColumnValuesToBeBetween(column=str(s.column), **gx_bounds(s)),
    dqdl=lambda spec, contract: dq_bounds(f"ColumnValues {dq_string(str(spec.column))}", spec.params),
    declared_on=lambda col: col.min is not None or col.max is not None,
    clean=_clean,
)
