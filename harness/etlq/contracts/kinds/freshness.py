"""``checks.freshness: {column, max_age}``: the newest value of a timestamp column is recent enough."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Interval, cast, func, literal, true

from etlq.contracts.kinds.base import LAST, CheckKind, Entry, Found, Result, Spec, TableScope
from etlq.contracts.kinds.forms import BATCH, age_text, dq_string, quote, spark_name, unexpected_rows
from etlq.contracts.model import Contract, Rule
from etlq.contracts.types import parse_duration
from etlq.contracts.validate import severity_of


def _parse_check(scope: TableScope, key: str) -> Rule:
    f = scope.f
    spec, context = scope.entry("freshness", ("column", "max_age", "severity"))
    for needed in ("column", "max_age"):
        if needed not in spec:
            raise f.fail(spec.line, f"checks.freshness needs {needed!r}")
    column = f.typed(spec, "column", (str,), "a column name", context)
    scope.columns_exist((column,), spec.key_lines["column"], "checks.freshness")
    age_text_ = str(spec["max_age"])
    seconds = parse_duration(age_text_)
    if seconds is None:
        raise f.fail(
            spec.key_lines["max_age"], f"'max_age' {context} must look like 30m, 36h or 7d, got {age_text_!r}"
        )
    value = {"column": column, "max_age_seconds": seconds}
    return Rule(value, severity_of(f, spec, scope.default, context), scope.checks.key_lines["freshness"])


def _plan(contract: Contract) -> list[Entry]:
    rule = contract.freshness
    return [] if rule is None else [Entry(LAST, rule.value["column"], rule.severity, dict(rule.value))]


def max_age(seconds: int) -> Any:
    return cast(literal(f"{int(seconds)} seconds"), Interval)


def _scan(spec: Spec, t: Any, i: int) -> list[Any]:
    newest = func.max(t.c[spec.params["column"]])
    stale = func.coalesce(newest < func.now() - max_age(spec.params["max_age_seconds"]), true())
    return [newest.label(f"fresh_max_{i}"), stale.label(f"stale_{i}")]


def _read(spec: Spec, row: Mapping[str, Any], i: int) -> Found:
    stale = bool(row[f"stale_{i}"])
    sample = ({spec.params["column"]: row[f"fresh_max_{i}"]},) if stale else ()
    return Found(int(stale), row["total"], sample_rows=sample)


def _gx_query(spec: Spec) -> str:
    col, seconds = quote(spec.params["column"]), int(spec.params["max_age_seconds"])
    return (
        f"SELECT max({col}) AS newest FROM {BATCH} "
        f"HAVING max({col}) IS NULL OR max({col}) < now() - interval '{seconds} seconds'"
    )


def _dqdl(spec: Spec, contract: Contract) -> str:
    column, seconds = spark_name(spec.params["column"]), int(spec.params["max_age_seconds"])
    fresh = f"select count(*) from primary where {column} >= current_timestamp() - interval {seconds} seconds"
    return f"CustomSql {dq_string(fresh)} > 0"


def _describe(result: Result, facts: dict[str, Any]) -> str:
    p = result.spec.params
    newest = result.sample[0][p["column"]] if result.sample else "n/a"
    age = age_text(p["max_age_seconds"])
    if result.failing:
        return f"max({p['column']}) is {newest}: older than {age}"
    return f"max({p['column']}) within {age}"


KIND = CheckKind(
    name="freshness",
    summary="the newest checks.freshness.column value is younger than max_age",
    plan=_plan,
    describe=_describe,
    check_keys=("freshness",),
    parse_check=_parse_check,
    scan=_scan,
    read_scan=_read,
    needs=lambda spec: [(None, (spec.params["column"],))],
    aggregate=True,
    gx=unexpected_rows(_gx_query),
    dqdl=_dqdl,
)
