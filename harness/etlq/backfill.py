"""``etlq history backfill``: past run dates' metrics computed from a table's partition column.

The contract names the column that holds each row's run date (``checks.anomalies.partition``).
Per table, ONE statement groups the rows of ``--from .. --to`` by that date and computes, per
day, what a check run on that day records (``etlq.contracts.metrics``: row count, null
fractions, sums and means; not the freshness lag, which only a run at the time can see):

    SELECT CAST(p AS date) AS run_date, count(*) AS total, count(*) FILTER (WHERE c IS NULL), ...
    FROM t WHERE p >= :from AND p < :to + 1 GROUP BY CAST(p AS date)

Idempotent: a (table, run date, metric, column) already in the store is not recorded again,
so a rerun, or a range overlapping an earlier one, adds only the days that were missing. A day
without rows records nothing (it may be before the table's first load).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Date, Select, cast, func, literal, select, text
from sqlalchemy.exc import DBAPIError

from etlq.checks.sql_build import render, table_of
from etlq.connect import db_reason
from etlq.contracts.metrics import (
    FRESHNESS_LAG,
    ROW_COUNT,
    label,
    metric_column,
    metric_value,
    partition_of,
    table_metrics,
)
from etlq.contracts.model import Contract
from etlq.contracts.types import is_text_type
from etlq.drift.catalog import LiveTable, read_catalog
from etlq.errors import EtlqError
from etlq.history import Store

Key = tuple[str, str, str, str | None]


@dataclass
class Backfilled:
    """What one table's backfill did: days with new records, days already in the store."""

    table: str
    recorded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    records: int = 0
    sql: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "days_recorded": len(self.recorded),
            "days_already_recorded": len(self.skipped),
            "records": self.records,
            "sql": self.sql,
        }


def missing_partition(contract: Contract) -> EtlqError:
    return EtlqError(
        f"{contract.path}: {contract.table}: backfill needs the column holding each row's run date",
        "add `partition: <date column>` under checks.anomalies (with its metrics) in that contract",
    )


def statement(
    contract: Contract, live: LiveTable, start: dt.date, end: dt.date
) -> tuple[Select[Any], list[tuple[str, str | None]]]:
    """The one GROUP BY of ``contract``'s table over ``start..end``, and the metrics it computes."""
    partition = partition_of(contract)
    if partition is None:
        raise missing_partition(contract)
    column = live.column(partition)
    if column is None:
        raise EtlqError(
            f"{contract.path}: checks.anomalies.partition: column {partition!r} does not exist in "
            f"{contract.table}",
            "name the table's run-date column",
        )
    live_types = {c.name: c.type for c in live.columns}
    metrics = [m for m in table_metrics(contract, live_types) if m[0] != FRESHNESS_LAG]
    t = table_of(contract.table, live.column_names)
    day = cast(t.c[partition], Date)
    where: Any
    if is_text_type(column.type):  # 'YYYY-MM-DD' text: only the cast compares as dates
        where = day.between(literal(start, Date), literal(end, Date))
    else:  # a date or timestamp: bounds on the column itself, so partitions are pruned
        where = (t.c[partition] >= literal(start, Date)) & (
            t.c[partition] < literal(end + dt.timedelta(days=1), Date)
        )
    columns: list[Any] = [day.label("run_date"), func.count().label("total")]
    columns += [metric_column(m, c, t, label(n)) for n, (m, c) in enumerate(metrics) if m != ROW_COUNT]
    return select(*columns).select_from(t).where(where).group_by(day).order_by(day), metrics


def _records(
    table: str, rows: Iterable[Mapping[str, Any]], metrics: Sequence[tuple[str, str | None]], seen: set[Key]
) -> tuple[list[dict[str, Any]], Backfilled]:
    done, out = Backfilled(table), []
    for row in rows:
        day = row["run_date"].isoformat()
        fresh = []
        for n, (metric, column) in enumerate(metrics):
            value = metric_value(metric, row, label(n))
            if value is None or (table, day, metric, column) in seen:
                continue
            extra = {} if column is None else {"column": column}
            fresh.append({"table": table, "run_date": day, "metric": metric, "value": value, **extra})
        (done.recorded if fresh else done.skipped).append(day)
        out += [r | {"source": "backfill"} for r in fresh]
    done.records = len(out)
    return out, done


def backfill(
    conn: Connection, contracts: Sequence[Contract], store: Store, start: dt.date, end: dt.date
) -> list[Backfilled]:
    """Compute and record ``start..end`` for every contract (each must name its partition)."""
    for contract in contracts:
        if partition_of(contract) is None:
            raise missing_partition(contract)
    conn.execute(text("SET TRANSACTION READ ONLY"))
    catalog = read_catalog(conn, tables=[c.table for c in contracts])
    seen: set[Key] = {
        (r["table"], r["run_date"], r["metric"], r.get("column")) for r in store.records() if "check" not in r
    }
    records: list[dict[str, Any]] = []
    results = []
    for contract in contracts:
        live = catalog.get(contract.table)
        if live is None:
            raise EtlqError(f"{contract.path}: table {contract.table} does not exist", "check --url")
        stmt, metrics = statement(contract, live, start, end)
        try:
            rows: list[Mapping[str, Any]] = [dict(row._mapping) for row in conn.execute(stmt)]
        except DBAPIError as exc:
            raise EtlqError(
                f"{contract.table}: the database rejected the backfill query: {db_reason(exc)}",
                "check that checks.anomalies.partition holds dates ('YYYY-MM-DD' if text)",
            ) from None
        new, done = _records(contract.table, rows, metrics, seen)
        done.sql = render(stmt)
        records += new
        results.append(done)
    conn.rollback()
    store.append(records)
    return results
