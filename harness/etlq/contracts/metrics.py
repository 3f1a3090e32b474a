"""The per-table metrics a check run records in the history (issue 13), as fused-scan columns.

Every metric is an aggregate that joins the table's one fused scan (``etlq.checks.sql_build``):

- ``row_count``: the scan's ``total``;
- ``null_fraction`` of each contract column: ``count(*) FILTER (WHERE col IS NULL) / total``;
- ``freshness_lag_seconds`` of the column ``checks.freshness`` declares: ``now() - max(col)``;
- ``sum`` and ``mean`` of each numeric contract column (numeric live too): ``sum(col)``, ``avg(col)``.

The anomaly kind (``kinds/anomaly.py``) watches the same metrics under shorter names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func

from etlq.contracts.model import Contract
from etlq.contracts.types import is_numeric_type

ROW_COUNT, NULL_FRACTION, FRESHNESS_LAG = "row_count", "null_fraction", "freshness_lag_seconds"
SUM, MEAN = "sum", "mean"
NUMERIC_METRICS = (SUM, MEAN)


def metric_column(metric: str, column: str | None, t: Any, label: str) -> Any:
    """The scan column behind one metric (``row_count`` needs none: it is ``total``)."""
    if metric == NULL_FRACTION:
        return func.count().filter(t.c[column].is_(None)).label(label)
    if metric == FRESHNESS_LAG:
        return func.extract("epoch", func.now() - func.max(t.c[column])).label(label)
    if metric == SUM:
        return func.sum(t.c[column]).label(label)
    if metric == MEAN:
        return func.avg(t.c[column]).label(label)
    raise ValueError(f"no scan column for metric {metric!r}")


def metric_value(metric: str, row: Mapping[str, Any], label: str) -> float | None:
    """The metric read back from the scan row (None: no value, e.g. the lag of an empty table)."""
    total = row["total"]
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


def label(n: int) -> str:
    return f"m{n}"
