"""``checks.row_count: {min, max}``: the table's number of rows within bounds (from the fused scan)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from etlq.contracts.kinds.base import FIRST, CheckKind, Entry, Found, Result, Spec, TableScope
from etlq.contracts.kinds.forms import bounds_text, dq_bounds, gx_bounds, gxe
from etlq.contracts.model import Contract, Rule
from etlq.contracts.validate import severity_of


def _parse_check(scope: TableScope, key: str) -> Rule:
    spec, context = scope.entry("row_count", ("min", "max", "severity"))
    bounds = {
        k: scope.f.typed(spec, k, (int,), "a whole number", context) if k in spec else None
        for k in ("min", "max")
    }
    if bounds["min"] is None and bounds["max"] is None:
        raise scope.f.fail(spec.line, "checks.row_count needs 'min' and/or 'max'")
    return Rule(
        bounds, severity_of(scope.f, spec, scope.default, context), scope.checks.key_lines["row_count"]
    )


def _plan(contract: Contract) -> list[Entry]:
    rule = contract.row_count
    return [] if rule is None else [Entry(FIRST, None, rule.severity, dict(rule.value))]


def _read(spec: Spec, row: Mapping[str, Any], i: int) -> Found:
    total = row["total"]
    low, high = spec.params.get("min"), spec.params.get("max")
    out = (low is not None and total < low) or (high is not None and total > high)
    return Found(int(out), total)


def _gx_counts(validation: Any, found: Mapping[str, Any]) -> tuple[int, Any]:
    return int(not validation.success), found.get("observed_value")


def _describe(result: Result, facts: dict[str, Any]) -> str:
    return f"{result.total} rows, expected {bounds_text(result.spec.params)}"


KIND = CheckKind(
    name="row_count",
    summary="the table's row count within checks.row_count {min, max}",
    plan=_plan,
    describe=_describe,
    check_keys=("row_count",),
    parse_check=_parse_check,
    scan=lambda spec, t, i: [],  # the fused scan's total is the row count
    read_scan=_read,
    needs=lambda spec: [],
    aggregate=True,
    gx=lambda s: gxe().ExpectTableRowCountToBeBetween(**gx_bounds(s)),
    gx_counts=_gx_counts,
    dqdl=lambda spec, contract: dq_bounds("RowCount", spec.params),
)
