"""Silver: set-based merges inside PostgreSQL (``etl/sql/silver.sql``), staging partition -> silver."""

from __future__ import annotations

from datetime import date
from typing import Any

from etl import db
from etl.runner import Counts

SQL = "silver.sql"


def silver(conn: Any, run_id: int, *, run_date: date) -> Counts:
    """The silver job body (see ``etl.runner.run_job``): rows_out counts silver rows changed."""
    params = {"run_date": run_date, "run_id": run_id}
    changed: dict[str, int] = {}
    with conn.cursor() as cur:
        db.execute(cur, SQL, "staged_rows", params)
        orders, customers, fx_rates = cur.fetchone()
        staged = {"orders": orders, "customers": customers, "fx_rates": fx_rates}
        db.execute(cur, SQL, "create_changed_orders")
        changed["silver.order_events"] = db.execute(cur, SQL, "merge_order_events", params)
        changed["silver.orders"] = db.execute(cur, SQL, "upsert_orders", params)
        db.execute(cur, SQL, "build_customer_versions", params)
        changed["silver.customers"] = sum(
            db.execute(cur, SQL, name, params)
            for name in (
                "delete_superseded_customer_versions",
                "update_customer_versions",
                "insert_customer_versions",
            )
        )
        changed["silver.fx_rates"] = db.execute(cur, SQL, "upsert_fx_rates", params)
    return Counts(
        rows_in=sum(staged.values()),
        rows_out=sum(changed.values()),
        details={"staged": staged, "changed": changed},
    )
