"""``checks.rules``: a named SQL predicate every row must make TRUE (NULL counts as failing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import true

from etlq.contracts.kinds.base import AFTER, CheckKind, Entry, Result, Spec, TableScope
from etlq.contracts.kinds.forms import BATCH, dq_string, predicate, quote, rows_text, unexpected_rows
from etlq.contracts.model import Contract, ExpressionRule
from etlq.contracts.validate import describe, severity_of
from etlq.contracts.yamlnodes import YMap


def _parse_check(scope: TableScope, key: str) -> tuple[ExpressionRule, ...]:
    f = scope.f
    items = f.typed(scope.checks, "rules", (list,), "a list of {name, expression}", "in checks")
    exprs: list[ExpressionRule] = []
    for item, line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, YMap):
            raise f.fail(line, f"an entry of checks.rules must be a mapping, got {describe(item)}")
        f.known_keys(item, ("name", "expression", "severity"), "in checks.rules")
        if "name" not in item or "expression" not in item:
            raise f.fail(line, "an entry of checks.rules needs 'name' and 'expression'")
        name = f.typed(item, "name", (str,), "text", "in checks.rules")
        if any(e.name == name for e in exprs):
            raise f.fail(item.key_lines["name"], f"checks.rules: duplicate rule name {name!r}")
        expression = f.typed(item, "expression", (str,), "an SQL predicate (text)", f"in rule {name!r}")
        severity = severity_of(f, item, scope.default, f"in rule {name!r}")
        exprs.append(ExpressionRule(name, expression, severity, line))
    return tuple(exprs)


def _plan(contract: Contract) -> list[Entry]:
    return [Entry(AFTER, e.name, e.severity, {"expression": e.expression}) for e in contract.rules]


def _violations(spec: Spec) -> str:
    # GX hands the batch over as "(SELECT ...) AS subselect"; a CTE named after the table lets
    # an expression name its own table (daily_revenue.order_date) as it may in the SQL engine
    name = quote(spec.table.split(".", 1)[1])
    where = f"({spec.params['expression']}) IS NOT TRUE"
    return f"WITH {name} AS (SELECT * FROM {BATCH}) SELECT * FROM {name} WHERE {where}"


def spark_sql(expression: str) -> str:
    # DQDL runs CustomSql on Spark: predicates written for PostgreSQL must also parse there
    return f"select count(*) from primary where not coalesce(({expression}), false)"


def _describe(result: Result, facts: dict[str, Any]) -> str:
    expression = " ".join(result.spec.params["expression"].split())
    return f"{rows_text(result.failing, result.total)} where ({expression}) is not true"


KIND = CheckKind(
    name="expression",
    summary="a named SQL predicate (checks.rules) TRUE on every row",
    plan=_plan,
    describe=_describe,
    check_keys=("rules",),
    parse_check=_parse_check,
    condition=lambda spec, t: predicate(spec.params["expression"]).is_not(true()),
    needs=lambda spec: [],
    gx=unexpected_rows(_violations),
    dqdl=lambda spec, contract: f"CustomSql {dq_string(spark_sql(spec.params['expression']))} = 0",
)
