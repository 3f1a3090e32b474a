"""A job that fails midway leaves its targets exactly as they were and records the failure."""

from __future__ import annotations

import psycopg2
import pytest
from etl_support import D1, D2, DAY, NEW_ORDER, WATERMARKS, checksums, execute, query

from etl import pipeline

FAIL_ON_WRITE = """
CREATE OR REPLACE FUNCTION public.etl_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'injected failure on %', TG_TABLE_NAME; END $$;
CREATE TRIGGER etl_test_fail BEFORE INSERT OR UPDATE OR DELETE ON {table}
FOR EACH ROW EXECUTE FUNCTION public.etl_test_fail();
"""

STAGED_ORDERS = (
    "SELECT count(*), md5(string_agg(order_id::text || status, ',' ORDER BY source_line)) FROM staging.orders"
)
SILVER_ORDERS = "SELECT md5(string_agg(o::text, ',' ORDER BY order_id)) FROM silver.orders o"


def fail_on_write(url: str, table: str) -> None:
    execute(url, FAIL_ON_WRITE.format(table=table))


def heal(url: str, table: str) -> None:
    execute(url, f"DROP TRIGGER etl_test_fail ON {table}")


def test_gold_failing_after_its_first_writes_leaves_gold_and_watermarks_unchanged(db, land_day, run_etl):
    land_day(D1)
    land_day(D2, orders=(NEW_ORDER,), fx_rates=("2026-11-19,EUR,1.10",))
    run_etl(D1)
    before = checksums(db)
    watermarks = query(db, WATERMARKS)
    fail_on_write(db, "gold.daily_revenue")  # the last table gold writes: dims and facts are done by then

    with pytest.raises(psycopg2.errors.RaiseException, match="injected failure on daily_revenue"):
        run_etl(D2)
    assert checksums(db) == before
    assert query(db, WATERMARKS) == watermarks
    assert query(
        db,
        "SELECT job, status, coalesce(error LIKE 'RaiseException: injected failure on daily_revenue%%',"
        " false), finished_at IS NOT NULL FROM audit.job_runs WHERE run_date = %s ORDER BY run_id",
        (D2,),
    ) == [
        ("ingest", "succeeded", False, True),
        ("silver", "succeeded", False, True),
        ("quality_gate", "skipped", False, True),
        ("gold", "failed", True, True),
    ]

    heal(db, "gold.daily_revenue")
    gold = pipeline.run_gold(db, pipeline.as_run_date(D2), glue_database=None)
    assert gold.details["changed"]["gold.fact_orders"] == 2  # order 1 (new EUR rate) and order 6
    assert checksums(db) != before


def test_ingest_failing_on_its_last_source_keeps_every_staged_row(db, raw_bucket, land, land_day):
    land_day(D1)
    pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    staged = query(db, STAGED_ORDERS)
    land("orders", D1, (*DAY["orders"][:2], "9,10,PAID,oops,EUR,2026-11-19,2026-11-19T10:00:00Z"))
    fail_on_write(db, "staging.fx_rates")  # fx_rates loads after orders were replaced

    with pytest.raises(psycopg2.errors.RaiseException):
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    assert query(db, STAGED_ORDERS) == staged
    assert query(db, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert query(db, "SELECT status FROM audit.job_runs ORDER BY run_id") == [("succeeded",), ("failed",)]


def test_silver_failing_midway_leaves_silver_unchanged(db, land_day, run_etl):
    land_day(D1)
    run_etl(D1)
    silver = query(db, SILVER_ORDERS)
    land_day(D2, orders=("1,10,CANCELLED,10.00,EUR,2026-11-19,2026-11-20T10:00:00Z",))
    fail_on_write(db, "silver.fx_rates")  # after events, orders and customers were merged

    with pytest.raises(psycopg2.errors.RaiseException):
        run_etl(D2)
    assert query(db, SILVER_ORDERS) == silver
    assert query(db, "SELECT count(*) FROM silver.order_events") == [(4,)]
