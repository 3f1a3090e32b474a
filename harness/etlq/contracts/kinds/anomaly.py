"""``checks.anomalies``: today's volume, null rate, freshness lag or a numeric column's sum or
mean against the metrics history.

```yaml
checks:
  anomalies:
    metrics: [volume, freshness, "null_rate:email", "sum:amount", "mean:amount"]  # ::anomaly[<metric>]
    sensitivity: 5          # band = baseline +- sensitivity * robust spread (default 5)
    direction: both         # drop | spike | both (default both)
    min_history: 21         # days of history before the check can fail (default 21)
    seasonality: [weekly, month_end]   # default none
    partition: run_date     # the column holding each row's run date (date, timestamp or
                            # 'YYYY-MM-DD' text): metrics are about that day's rows, and
                            # `etlq history backfill` can compute past days
```

Today's value comes from the table's fused scan (``etlq.contracts.metrics``); the history from
the run's store (``etlq.history``), scored by ``etlq.anomaly``. Without a history, or with too
little, the check is ``not_evaluated`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from sqlalchemy import func

from etlq.anomaly import DIRECTIONS, SEASONALITIES, score
from etlq.contracts.kinds.base import LAST, CheckKind, Entry, Found, Result, Spec, TableScope
from etlq.contracts.metrics import (
    FRESHNESS_LAG,
    MEAN,
    NULL_FRACTION,
    ROW_COUNT,
    SUM,
    day_rows,
    metric_column,
    metric_value,
)
from etlq.contracts.model import Contract, Rule
from etlq.contracts.types import is_numeric_type, is_temporal_type, is_text_type
from etlq.contracts.validate import describe, severity_of
from etlq.errors import ContractError

KEYS = ("metrics", "sensitivity", "direction", "min_history", "seasonality", "partition", "severity")
DEFAULTS = {"sensitivity": 5.0, "direction": "both", "min_history": 21, "seasonality": ()}
# per metric: the recorded metric, and the spread floors (relative, absolute) of a calm history
WATCHED = {
    "volume": (ROW_COUNT, 0.05, 0.0),
    "null_rate": (NULL_FRACTION, 0.5, 0.002),
    "freshness": (FRESHNESS_LAG, 0.5, 60.0),
    "sum": (SUM, 0.05, 0.0),
    "mean": (MEAN, 0.05, 0.0),
}
WITH_COLUMN = ("null_rate", "sum", "mean")
NAMES = "volume, freshness, null_rate:<column>, sum:<column> or mean:<column>"
NO_HISTORY = "no metrics history for this run (pass --history URL or set ETLQ_HISTORY)"


class History(Protocol):
    """What the kind reads of a run's metrics history (``etlq.history.HistoryRun``)."""

    @property
    def run_date(self) -> str: ...
    def series(self, table: str, metric: str, column: str | None) -> Sequence[tuple[str, float]]: ...


def _metric(scope: TableScope, token: Any, line: int) -> str:
    f = scope.f
    if not isinstance(token, str) or token.split(":", 1)[0] not in WATCHED:
        raise f.fail(line, f"checks.anomalies.metrics: {token!r} is not {NAMES}")
    name, _, column = token.partition(":")
    if name in WITH_COLUMN:
        if not column:
            raise f.fail(line, f"checks.anomalies.metrics: {name} needs a column, e.g. '{name}:amount'")
        scope.columns_exist((column,), line, "checks.anomalies.metrics")
        col_type = scope.column_types.get(column)
        if name != "null_rate" and col_type is not None and not is_numeric_type(col_type):
            numeric = [c for c, t in scope.column_types.items() if is_numeric_type(t)]
            fix = f"watch a numeric column ('{name}:{numeric[0]}')" if numeric else "watch a numeric column"
            raise ContractError(
                f"{f.where}:{line}: checks.anomalies.metrics: {token!r} needs a numeric column,"
                f" but {column!r} is {col_type}",
                f"{fix}, or 'null_rate:{column}' for this one",
            )
    elif column:
        raise f.fail(line, f"checks.anomalies.metrics: {name} takes no column, got {token!r}")
    elif name == "freshness" and "column" not in (scope.checks.get("freshness") or {}):
        raise f.fail(
            line, "checks.anomalies.metrics: freshness needs checks.freshness.column (the timestamp)"
        )
    return token


def _parse_check(scope: TableScope, key: str) -> Rule:
    f = scope.f
    spec, context = scope.entry("anomalies", KEYS)
    if "metrics" not in spec:
        raise f.fail(spec.line, "checks.anomalies needs 'metrics', e.g. [volume, 'null_rate:email']")
    tokens = f.typed(spec, "metrics", (list,), "a list like [volume, 'null_rate:email']", context)
    if not tokens:
        raise f.fail(spec.key_lines["metrics"], "checks.anomalies.metrics is empty")
    value: dict[str, Any] = dict(DEFAULTS)
    value["metrics"] = tuple(_metric(scope, t, spec.key_lines["metrics"]) for t in tokens)
    if "sensitivity" in spec:
        value["sensitivity"] = float(f.typed(spec, "sensitivity", (int, float), "a number", context))
        if value["sensitivity"] <= 0:
            raise f.fail(spec.key_lines["sensitivity"], f"'sensitivity' {context} must be > 0")
    if "min_history" in spec:
        value["min_history"] = f.typed(spec, "min_history", (int,), "a whole number of days", context)
        if value["min_history"] < 3:
            raise f.fail(spec.key_lines["min_history"], f"'min_history' {context} must be at least 3 days")
    if "direction" in spec and spec["direction"] not in DIRECTIONS:
        raise f.fail(
            spec.key_lines["direction"], f"'direction' {context} must be one of {', '.join(DIRECTIONS)}"
        )
    value["direction"] = spec.get("direction", value["direction"])
    if "seasonality" in spec:
        seasons = spec["seasonality"]
        if not isinstance(seasons, list) or not all(s in SEASONALITIES for s in seasons):
            raise f.fail(
                spec.key_lines["seasonality"],
                f"'seasonality' {context} must be a list of {', '.join(SEASONALITIES)}, "
                f"got {describe(seasons)}",
            )
        value["seasonality"] = tuple(seasons)
    if "partition" in spec:
        value["partition"] = _partition(scope, spec, context)
    return Rule(value, severity_of(f, spec, scope.default, context), scope.checks.key_lines["anomalies"])


def _partition(scope: TableScope, spec: Any, context: str) -> str:
    f, line = scope.f, spec.key_lines["partition"]
    column = f.typed(spec, "partition", (str,), "the column holding each row's run date", context)
    scope.columns_exist((column,), line, "checks.anomalies.partition")
    col_type = scope.column_types.get(column)
    if col_type is not None and not (
        col_type == "date" or col_type.startswith("timestamp") or is_text_type(col_type)
    ):
        kind = "a time of day" if is_temporal_type(col_type) else col_type
        raise ContractError(
            f"{f.where}:{line}: checks.anomalies.partition: {column!r} is {kind}, not a run date",
            "name a date, timestamp or 'YYYY-MM-DD' text column",
        )
    return str(column)


def _plan(contract: Contract) -> list[Entry]:
    rule = contract.checks.get("anomalies")
    if rule is None:
        return []
    entries = []
    fresh = contract.freshness
    for token in rule.value["metrics"]:
        name, _, column = token.partition(":")
        metric, rel, floor = WATCHED[name]
        column = column or (fresh.value["column"] if name == "freshness" and fresh else None)
        params = {k: v for k, v in rule.value.items() if k != "metrics"}
        params |= {
            "watch": name,
            "metric": metric,
            "column": column,
            "min_spread": rel,
            "min_abs_spread": floor,
        }
        entries.append(Entry(LAST, token, rule.severity, params))
    return entries


def _day(spec: Spec, t: Any) -> Any:
    """The run date's rows when the table is partitioned and the run has a date, else None."""
    p = spec.params
    return day_rows(t, p["partition"], p["run_date"]) if p.get("partition") and p.get("run_date") else None


def _scan(spec: Spec, t: Any, i: int) -> list[Any]:
    p, day = spec.params, _day(spec, t)
    columns = [] if day is None else [func.count().filter(day).label(f"anomaly_{i}_n")]
    if p["metric"] != ROW_COUNT:
        columns.append(metric_column(p["metric"], p["column"], t, f"anomaly_{i}", day))
    return columns


def _read(spec: Spec, row: Mapping[str, Any], i: int) -> Found:
    total = row.get(f"anomaly_{i}_n")
    value = metric_value(spec.params["metric"], row, f"anomaly_{i}", total)
    return Found(0, row["total"], facts={"value": value})


def judge(spec: Spec, found: Found, history: History | None) -> Found:
    """``found`` (today's value) scored against the history: failing 1/0, or not evaluated."""
    p, value = spec.params, found.facts["value"]
    if history is None:
        return replace(found, not_evaluated=NO_HISTORY)
    if value is None:
        return replace(found, not_evaluated=f"no {p['watch']} value today (the table is empty)")
    verdict = score(
        history.series(spec.table, p["metric"], p["column"]),
        history.run_date,
        value,
        min_history=p["min_history"],
        sensitivity=p["sensitivity"],
        direction=p["direction"],
        seasonality=p["seasonality"],
        min_spread=p["min_spread"],
        min_abs_spread=p["min_abs_spread"],
    )
    if verdict.outcome == "not_evaluated":
        return replace(found, not_evaluated=f"not enough history: {verdict.reason}")
    facts = {**found.facts, "low": verdict.low, "high": verdict.high, "baseline": verdict.baseline}
    facts |= {"days": verdict.days, "comparable": len(verdict.used), "run_date": history.run_date}
    return replace(found, failing=int(verdict.outcome == "failed"), facts=facts)


def _num(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 1 else f"{x:,.1f}"


def _describe(result: Result, facts: dict[str, Any]) -> str:
    if "low" not in facts:
        return result.message
    watch, direction = result.spec.params["watch"], result.spec.params["direction"]
    where = f"{watch}[{result.spec.params['column']}]" if watch in WITH_COLUMN else watch
    state = "outside" if result.failing else "within"
    return (
        f"{where} on {facts['run_date']} is {_num(facts['value'])}, {state} the expected band "
        f"{_num(facts['low'])}..{_num(facts['high'])} (baseline {_num(facts['baseline'])} from "
        f"{facts['comparable']} comparable of {facts['days']} days of history; direction {direction})"
    )


KIND = CheckKind(
    name="anomaly",
    summary="checks.anomalies: volume, null rate, freshness lag, sum or mean within the band of its history",
    plan=_plan,
    describe=_describe,
    check_keys=("anomalies",),
    parse_check=_parse_check,
    scan=_scan,
    read_scan=_read,
    judge=judge,
    needs=lambda spec: [(None, tuple(c for c in (spec.params["column"], spec.params.get("partition")) if c))],
    aggregate=True,
    no_gx="an anomaly compares with the metrics history, which only the SQL engine records",
)
