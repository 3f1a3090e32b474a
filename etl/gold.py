"""Gold: incremental upserts from silver (``etl/sql/gold.sql``) and the Glue catalog entries.

Incremental: each silver row carries the run_id of the silver run that last changed it; gold
applies the rows above its watermark (``audit.watermarks``) and then moves the watermark, in
the same transaction. The job runs in REPEATABLE READ (see ``etl.runner``), so the watermark
and the rows it covers come from one snapshot.
"""

from __future__ import annotations

from typing import Any

from etl import catalog, db
from etl.runner import Counts

SQL = "gold.sql"
GOLD_TABLES = ("dim_customers", "dim_fx", "fact_orders", "daily_revenue")


def gold(conn: Any, run_id: int, *, glue: Any | None = None, glue_database: str = "etlq") -> Counts:
    """The gold job body (see ``etl.runner.run_job``). ``glue=None`` skips the catalog."""
    changed: dict[str, int] = {}
    with conn.cursor() as cur:
        db.execute(cur, SQL, "read_watermarks")
        watermarks = dict(cur.fetchall())
        db.execute(cur, SQL, "high_waters")
        high_waters = dict(cur.fetchall())
        params = {
            "wm_orders": watermarks["silver.orders"],
            "wm_customers": watermarks["silver.customers"],
            "wm_fx": watermarks["silver.fx_rates"],
        }
        db.execute(cur, SQL, "rows_since_watermark", params)
        rows_in = int(cur.fetchone()[0])
        changed["gold.dim_customers"] = db.execute(cur, SQL, "upsert_dim_customers", params)
        db.execute(cur, SQL, "create_changed_fx")
        changed["gold.dim_fx"] = db.execute(cur, SQL, "upsert_dim_fx", params)
        candidates = db.execute(cur, SQL, "stage_fact_candidates", params)
        db.execute(cur, SQL, "collect_affected_dates")
        changed["gold.fact_orders"] = db.execute(cur, SQL, "upsert_fact_orders")
        changed["gold.daily_revenue"] = db.execute(cur, SQL, "delete_empty_days") + db.execute(
            cur, SQL, "upsert_daily_revenue"
        )
        for source, high_water in high_waters.items():
            db.execute(
                cur, SQL, "save_watermark", {"source": source, "high_water": high_water, "run_id": run_id}
            )
        registered = catalog.register_tables(glue, cur, glue_database, "gold", GOLD_TABLES) if glue else None
    return Counts(
        rows_in=rows_in,
        rows_out=sum(changed.values()),
        details={
            "changed": changed,
            "fact_candidates": candidates,
            "watermarks": {"from": watermarks, "to": high_waters},
            "glue_tables_written": registered,
        },
    )
