"""Gold: USD normalization, missing rates still loaded, daily revenue, incremental and idempotent."""

from __future__ import annotations

from etl_support import D1, D2, DAY, NEW_ORDER, WATERMARKS, checksums, query

FACTS = (
    "SELECT order_id, status, currency, amount::text, fx_rate::text, amount_usd::text FROM gold.fact_orders "
    "ORDER BY order_id"
)
REVENUE = "SELECT order_date::text, orders, revenue_usd::text FROM gold.daily_revenue ORDER BY 1"


def test_amounts_are_normalized_to_usd(db, land_day, run_etl):
    land_day(D1)
    run_etl(D1)
    assert query(db, FACTS) == [
        (1, "PAID", "EUR", "10.00", "1.08000000", "10.80"),
        (2, "PAID", "USD", "20.50", "1.00000000", "20.50"),
        (3, "SHIPPED", "GBP", "7.25", "1.27000000", "9.21"),  # 9.2075 rounds half up
    ]
    assert query(
        db, "SELECT as_of_date::text, currency, rate_to_usd::text FROM gold.dim_fx ORDER BY 1, 2"
    ) == [
        ("2026-11-18", "GBP", "1.27000000"),
        ("2026-11-18", "USD", "1.00000000"),
        ("2026-11-19", "EUR", "1.08000000"),
        ("2026-11-19", "GBP", "1.26000000"),
        ("2026-11-19", "USD", "1.00000000"),
    ]
    assert query(db, REVENUE) == [("2026-11-18", 1, "9.21"), ("2026-11-19", 2, "31.30")]


def test_a_missing_rate_loads_the_fact_without_usd_until_the_rate_arrives(db, land_day, run_etl):
    land_day(
        D1,
        orders=(
            *DAY["orders"],
            "4,99,PAID,3.00,CHF,2026-11-19,2026-11-19T12:00:00Z",
            "5,11,CANCELLED,100.00,EUR,2026-11-19,2026-11-19T12:00:00Z",
        ),
    )
    run_etl(D1)
    assert query(db, FACTS)[3:] == [
        (4, "PAID", "CHF", "3.00", None, None),  # orphan customer 99 and no CHF rate: loaded anyway
        (5, "CANCELLED", "EUR", "100.00", "1.08000000", "108.00"),
    ]
    assert query(db, REVENUE)[1] == ("2026-11-19", 3, "31.30")  # cancelled not counted, no USD adds 0

    land_day(D2, orders=(), fx_rates=("2026-11-19,CHF,1.13",))
    result = run_etl(D2)[-1]
    assert query(db, FACTS)[3] == (4, "PAID", "CHF", "3.00", "1.13000000", "3.39")
    assert query(db, REVENUE)[1] == ("2026-11-19", 3, "34.69")
    assert result.details["changed"] == {
        "gold.dim_customers": 0,
        "gold.dim_fx": 1,
        "gold.fact_orders": 1,
        "gold.daily_revenue": 1,
    }


def test_an_order_moving_to_another_day_updates_both_days(db, land_day, run_etl):
    land_day(D1)
    land_day(D2, orders=("3,11,SHIPPED,7.25,GBP,2026-11-19,2026-11-20T12:00:00Z",))
    run_etl(D1)
    run_etl(D2)
    assert query(db, REVENUE) == [("2026-11-19", 3, "40.44")]  # 10.80 + 20.50 + 7.25 * 1.26


def test_rerun_of_a_run_date_changes_no_gold_row(db, land_day, run_etl):
    land_day(D1)
    land_day(
        D2,
        customers=("10,ann@example.com,Ann Archer-Lee,,DE,SMB,2026-11-20T09:00:00Z",),
        orders=(NEW_ORDER,),
    )
    run_etl(D1)
    run_etl(D2)
    before = checksums(db)
    watermarks = query(db, WATERMARKS)
    results = run_etl(D2) + run_etl(D1)
    assert checksums(db) == before
    assert all(v is not None for v in before.values())
    assert [r.rows_out for r in results if r.job in {"silver", "gold"}] == [0, 0, 0, 0]
    assert query(db, WATERMARKS) == watermarks


def test_gold_reads_only_silver_rows_above_its_watermark(db, land_day, run_etl):
    land_day(D1)
    land_day(D2, orders=(NEW_ORDER,), customers=(), fx_rates=())
    first = run_etl(D1)[-1]
    second = run_etl(D2)[-1]
    assert (first.rows_in, second.rows_in) == (3 + 2 + 3, 1)
    assert second.details["fact_candidates"] == 1
    assert query(db, "SELECT source, high_water FROM audit.watermarks ORDER BY 1") == [
        ("silver.customers", first.run_id - 2),
        ("silver.fx_rates", first.run_id - 2),
        ("silver.orders", second.run_id - 2),
    ]
