"""Silver: events merged once, the latest event per order, SCD2 customers, FX upserts."""

from __future__ import annotations

from etl_support import D1, D2, DAY, query

CUSTOMERS = (
    "SELECT customer_id, full_name, segment, valid_from::text, valid_to::text, is_current "
    "FROM silver.customers ORDER BY customer_id, valid_from"
)


def test_latest_event_wins_and_duplicates_are_merged(db, land_day, run_etl):
    land_day(
        D1,
        orders=(
            *DAY["orders"],
            "1,10,PAID,10.00,EUR,2026-11-19,2026-11-19T10:00:00Z",  # the same event again: kept once
            "4,10,PLACED,5.00,EUR,2026-11-19,2026-11-19T09:00:00Z",
            "4,10,PAID,6.00,EUR,2026-11-19,2026-11-19T09:00:00Z",  # same key later in the file wins
        ),
    )
    land_day(
        D2,
        orders=(
            "1,10,SHIPPED,10.00,EUR,2026-11-19,2026-11-20T08:00:00Z",  # newer event of order 1
            "2,11,PLACED,20.50,USD,2026-11-19,2026-11-19T07:00:00Z",  # late, older event: must not win
        ),
    )
    run_etl(D1)
    run_etl(D2)
    assert query(
        db,
        "SELECT order_id, status, amount::text, last_event_ts::text, event_count FROM silver.orders"
        " ORDER BY order_id",
    ) == [
        (1, "SHIPPED", "10.00", "2026-11-20 08:00:00+00", 3),
        (2, "PAID", "20.50", "2026-11-19 11:00:00+00", 2),
        (3, "SHIPPED", "7.25", "2026-11-18 12:00:00+00", 1),
        (4, "PAID", "6.00", "2026-11-19 09:00:00+00", 1),
    ]
    assert query(db, "SELECT count(*), count(DISTINCT (order_id, event_ts)) FROM silver.order_events") == [
        (7, 7)
    ]


def test_a_later_delivery_wins_whatever_the_processing_order(db, land_day, run_etl):
    land_day(D1, fx_rates=("2026-11-19,EUR,1.08",))
    land_day(D2, fx_rates=("2026-11-19,EUR,1.09",))
    run_etl(D2)
    run_etl(D1)  # an older delivery processed late does not overwrite the newer rate
    assert query(db, "SELECT rate_to_usd::text, run_date::text FROM silver.fx_rates") == [("1.09000000", D2)]


def test_scd2_opens_a_version_only_when_attributes_change(db, land_day, run_etl):
    land_day(D1)
    land_day(
        D2,
        customers=(
            "10,ann@example.com,Ann Archer-Lee,+49 30 1234,DE,SMB,2026-11-20T09:00:00Z",  # changed name
            "11,bob@example.com,Bob Brown,,US,CONSUMER,2026-11-20T09:00:00Z",  # same attributes: no version
            "12,cy@example.com,Cy Cole,,FR,ENTERPRISE,2026-11-20T10:00:00Z",  # new customer
        ),
    )
    run_etl(D1)
    run_etl(D2)
    expected = [
        (10, "Ann Archer", "SMB", "2026-11-01 00:00:00+00", "2026-11-20 09:00:00+00", False),
        (10, "Ann Archer-Lee", "SMB", "2026-11-20 09:00:00+00", None, True),
        (11, "Bob Brown", "CONSUMER", "2026-11-02 00:00:00+00", None, True),
        (12, "Cy Cole", "ENTERPRISE", "2026-11-20 10:00:00+00", None, True),
    ]
    assert query(db, CUSTOMERS) == expected
    run_etl(D2)
    run_etl(D1)
    assert query(db, CUSTOMERS) == expected
    assert query(db, "SELECT customer_id, full_name FROM gold.dim_customers ORDER BY 1") == [
        (10, "Ann Archer-Lee"),
        (11, "Bob Brown"),
        (12, "Cy Cole"),
    ]


def test_scd2_places_a_late_change_in_history_and_a_revert_opens_a_version(db, land_day, run_etl):
    land_day(
        D1,
        customers=(
            "10,ann@example.com,Ann A,,DE,SMB,2026-11-01T00:00:00Z",
            "10,ann@example.com,Ann B,,DE,SMB,2026-11-10T00:00:00Z",
            "10,ann@example.com,Ann A,,DE,SMB,2026-11-15T00:00:00Z",  # back to A: a change again
        ),
    )
    land_day(D2, customers=("10,ann@example.com,Ann C,,DE,SMB,2026-11-05T00:00:00Z",))  # arrives late
    run_etl(D1)
    run_etl(D2)
    assert query(
        db,
        "SELECT full_name, valid_from::date::text, valid_to::date::text, is_current "
        "FROM silver.customers ORDER BY valid_from",
    ) == [
        ("Ann A", "2026-11-01", "2026-11-05", False),
        ("Ann C", "2026-11-05", "2026-11-10", False),
        ("Ann B", "2026-11-10", "2026-11-15", False),
        ("Ann A", "2026-11-15", None, True),
    ]


def test_silver_rerun_changes_no_row(db, land_day, run_etl):
    land_day(D1)
    first = run_etl(D1)
    again = run_etl(D1)
    assert first[1].rows_out == 4 + 3 + 2 + 3  # events, orders, customer versions, rates
    assert (again[1].job, again[1].rows_in, again[1].rows_out) == ("silver", 9, 0)
    assert query(db, "SELECT DISTINCT run_id FROM silver.orders") == [(first[1].run_id,)]
