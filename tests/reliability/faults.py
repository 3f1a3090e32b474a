"""Fault injection against the real PostgreSQL: kill the ETL's backend at a chosen step."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg2

from etl.db import libpq_url
from fixtures.database import query

DATA_TABLES = (
    "staging.orders", "staging.customers", "staging.fx_rates", "audit.quarantine",
    "silver.order_events", "silver.orders", "silver.customers", "silver.fx_rates",
)  # fmt: skip
GOLD = {
    "gold.dim_customers": "customer_id",
    "gold.dim_fx": "as_of_date, currency",
    "gold.fact_orders": "order_id",
    "gold.daily_revenue": "order_date",
}


def snapshot(url: str) -> dict[str, Any]:
    """Row counts of staging, quarantine and silver, md5 of every gold table (run ids left out)."""
    exists = {t for (t,) in query(url, "SELECT t FROM unnest(%s::text[]) t WHERE to_regclass(t) IS NOT NULL",
                                   ([*DATA_TABLES, *GOLD],))}  # fmt: skip
    out: dict[str, Any] = {
        t: query(url, f"SELECT count(*) FROM {t}")[0][0] for t in DATA_TABLES if t in exists
    }
    for table, key in GOLD.items():
        if table in exists:
            out[table] = query(url, f"SELECT md5(string_agg(t::text, '|' ORDER BY {key})) FROM {table} t")[0][
                0
            ]
    return out


def terminate(url: str, where: str, params: tuple[Any, ...] = ()) -> list[int]:
    """pg_terminate_backend every backend of this database matching ``where``; their pids."""
    rows = query(
        url,
        "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = current_database() AND pid <> pg_backend_pid() AND {where}",
        params,
    )
    return [pid for pid, _ in rows]


def kill_when(
    url: str, where: str, action: Callable[[], Any], lock: str | None = None
) -> BaseException | None:
    """Run ``action`` in a thread and terminate the backend matching ``where`` as soon as there
    is one; with ``lock``, hold an exclusive lock on that table meanwhile, so the backend that
    waits for it is caught exactly at that step. Returns what ``action`` raised."""
    holder = psycopg2.connect(libpq_url(url))
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    try:
        with holder.cursor() as cur:
            if lock:
                cur.execute(f"LOCK TABLE {lock} IN ACCESS EXCLUSIVE MODE")
            holder_pid = holder.get_backend_pid()
        worker = threading.Thread(target=run)
        worker.start()
        killed: list[int] = []
        deadline = time.monotonic() + 60
        while not killed and worker.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
            killed = terminate(url, f"pid <> %s AND {where}", (holder_pid,))
        assert killed, f"no backend matched {where}"
    finally:
        holder.rollback()
        holder.close()
    worker.join(120)
    return outcome.get("error")
