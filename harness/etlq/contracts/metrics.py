"""The per-table metrics a check run records in the history (issue 13), as fused-scan columns.

Every metric is an aggregate that joins the table's one fused scan (``etlq.checks.sql_build``):

- ``row_count``: the scan's ``total``;
- ``null_fraction`` of each contract column: ``count(*) FILTER (WHERE col IS NULL) / total``;
- ``freshness_lag_seconds`` of the column ``checks.freshness`` declares: ``now() - max(col)``;
- ``sum`` and ``mean`` of each numeric contract column (numeric live too): ``sum(col)``, ``avg(col)``.

With ``checks.anomalies.partition`` (the column holding each row's run date) every metric but
the freshness lag is about the run date's rows only (``day_rows``): ``count(*) FILTER (WHERE
CAST(p AS date) = :run_date)`` and the same FILTER on the others, still in the one scan; and
``etlq history backfill`` computes the same metrics for past run dates with one GROUP BY.

The anomaly kind (``kinds/anomaly.py``) watches the same metrics under shorter names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Date, and_, cast, func, literal

from etlq.contracts.model import Contract
from etlq.contracts.types import is_numeric_type

ROW_COUNT, NULL_FRACTION, FRESHNESS_LAG = "row_count", "null_fraction", "freshness_lag_seconds"
SUM, MEAN = "sum", "mean"
NUMERIC_METRICS = (SUM, MEAN)
DAY_TOTAL = "day_total"  # the fused scan's count of the run date's rows (with a partition)


def day_rows(t: Any, partition: str, run_date: str) -> Any:
    """The rows of one run date: ``CAST(partition AS date) = run_date`` (``checks.anomalies.partition``)."""
    return cast(t.c[partition], Date) == literal(dt.date.fromisoformat(run_date), Date)


def metric_column(metric: str, column: str | None, t: Any, label: str, day: Any = None) -> Any:
    """The scan column behind one metric (``row_count`` needs none: it is ``total``, or the
    day's count). ``day``: a predicate (``day_rows``) the counted / summed rows must meet;
    the freshness lag is always the whole table's."""
    if metric == NULL_FRACTION:
        null = t.c[column].is_(None)
        return func.count().filter(null if day is None else and_(day, null)).label(label)
    if metric == FRESHNESS_LAG:
        return func.extract("epoch", func.now() - func.max(t.c[column])).label(label)
    if metric in (SUM, MEAN):
        agg = func.sum(t.c[column]) if metric == SUM else func.avg(t.c[column])
        return (agg if day is None else agg.filter(day)).label(label)
    raise ValueError(f"no scan column for metric {metric!r}")


def metric_value(metric: str, row: Mapping[str, Any], label: str, total: int | None = None) -> float | None:
    """The metric read back from the scan row (None: no value, e.g. the lag of an empty table);
    ``total``: the rows it is about (default the scan's ``total``; a run date's count)."""
    total = row["total"] if total is None else total
    if metric == ROW_COUNT:
        return float(total)
    raw = row[label]
    if metric == NULL_FRACTION:
        return float(raw) / total if total else None
    return None if raw is None else float(raw)


def table_metrics(contract: Contract, live_columns: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``(metric, column)`` recorded for ``contract``'s table: the columns that exist live
    (``live_columns``: name -> live type; sum and mean where both types are numeric)."""
    out: list[tuple[str, str | None]] = [(ROW_COUNT, None)]
    out += [(NULL_FRACTION, c.name) for c in contract.columns if c.name in live_columns]
    out += [
        (metric, c.name)
        for c in contract.columns
        if is_numeric_type(c.type) and is_numeric_type(live_columns.get(c.name, ""))
        for metric in NUMERIC_METRICS
    ]
    fresh = contract.freshness
    if fresh is not None and fresh.value["column"] in live_columns:
        out.append((FRESHNESS_LAG, fresh.value["column"]))
    return out


def partition_of(contract: Contract) -> str | None:
    """The column ``checks.anomalies.partition`` names (each row's run date), or None."""
    rule = contract.checks.get("anomalies")
    return None if rule is None else rule.value.get("partition")


def label(n: int) -> str:
    return f"m{n}"
