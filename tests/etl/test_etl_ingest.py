"""Ingest against moto S3 and PostgreSQL: typed rows to staging, the rest to quarantine, nothing lost."""

from __future__ import annotations

import pytest
from etl_support import D1, D2, DAY, query

from etl import pipeline
from etl.errors import EtlInputError

BAD_ORDERS = (
    *DAY["orders"],
    "4,10,PAID,5.00,EUR",  # line 6: ragged
    "5,10,PAID,5.00,EUR,2026-13-01,2026-11-19T10:00:00Z",  # line 7: bad date
    "6,10,PAID,-5.00,EUR,2026-11-19,2026-11-19T10:00:00Z",  # line 8: negative amount
    "7,10,REFUNDED,5.00,EUR,2026-11-19,2026-11-19T10:00:00Z",  # line 9: unknown status
    "8,10, shipped ,5.00,eur,2026-11-19,2026-11-19T10:00:00Z",  # line 10: loads, normalized
)


def test_bad_rows_go_to_quarantine_with_file_line_and_reason(db, raw_bucket, land, land_day):
    land_day(D1, orders=BAD_ORDERS)
    result = pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)

    uri = f"s3://{raw_bucket}/raw/orders/run_date={D1}/part-0.csv"
    assert query(
        db,
        "SELECT source, source_file, line_no, raw_line, reason_code, column_name, reason"
        " FROM audit.quarantine ORDER BY line_no",
    ) == [
        ("orders", uri, 6, "4,10,PAID,5.00,EUR", "ragged_row", None, "ragged row: 5 fields, expected 7"),
        (
            "orders",
            uri,
            7,
            BAD_ORDERS[5],
            "bad_date",
            "order_date",
            "order_date: '2026-13-01' is not a date (YYYY-MM-DD)",
        ),
        (
            "orders",
            uri,
            8,
            BAD_ORDERS[6],
            "negative_amount",
            "amount",
            "amount: -5.00 is negative (must be >= 0)",
        ),
        (
            "orders",
            uri,
            9,
            BAD_ORDERS[7],
            "unknown_status",
            "status",
            "status: unknown status 'REFUNDED' (expected one of CANCELLED, PAID, PLACED, SHIPPED)",
        ),
    ]
    assert query(
        db, "SELECT order_id, status, currency, source_line FROM staging.orders ORDER BY source_line"
    ) == [
        (1, "PLACED", "EUR", 2),
        (1, "PAID", "EUR", 3),
        (2, "PAID", "USD", 4),
        (3, "SHIPPED", "GBP", 5),
        (8, "SHIPPED", "EUR", 10),
    ]
    assert (result.rows_in, result.rows_out, result.rows_rejected) == (9 + 2 + 3, 5 + 2 + 3, 4)
    assert result.details["sources"]["orders"]["reasons"] == {
        "bad_date": 1,
        "negative_amount": 1,
        "ragged_row": 1,
        "unknown_status": 1,
    }
    assert query(db, "SELECT job, status, rows_in, rows_out, rows_rejected FROM audit.job_runs") == [
        ("ingest", "succeeded", 14, 10, 4)
    ]
    assert query(db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'ingest%'") == [
        (0,)
    ]  # landing dropped


def test_every_file_of_a_partition_loads_with_its_lineage(db, raw_bucket, land, land_day):
    land_day(D1)
    second = land("orders", D1, ["9,11,PLACED,1.00,USD,2026-11-19,2026-11-19T08:00:00Z"], name="part-1.csv")
    land("orders", D1, ["99,11,PLACED,1.00,USD,2026-11-19,2026-11-19T08:00:00Z"], name="nested/part-2.csv")
    land("orders", D1, "not,a,csv\n", name="readme.txt")
    pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    assert query(
        db, "SELECT run_date::text, source_file, source_line FROM staging.orders WHERE order_id = 9"
    ) == [(D1, second, 2)]
    assert query(db, "SELECT count(*) FROM staging.orders") == [(5,)]


def test_rerun_of_a_run_date_replaces_its_rows_and_keeps_other_dates(db, raw_bucket, land, land_day):
    land_day(D1, orders=BAD_ORDERS)
    land_day(D2)
    for day in (D1, D2, D1):
        pipeline.run_ingest(db, pipeline.as_run_date(day), bucket=raw_bucket)
    assert query(db, "SELECT run_date::text, count(*) FROM staging.orders GROUP BY 1 ORDER BY 1") == [
        (D1, 5),
        (D2, 4),
    ]
    assert query(db, "SELECT run_date::text, count(*) FROM audit.quarantine GROUP BY 1") == [(D1, 4)]

    land("orders", D1, DAY["orders"][:1])  # a corrected delivery replaces the first one
    pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    assert query(db, "SELECT run_date::text, count(*) FROM staging.orders GROUP BY 1 ORDER BY 1") == [
        (D1, 1),
        (D2, 4),
    ]
    assert query(db, "SELECT count(*) FROM audit.quarantine") == [(0,)]


def test_missing_bucket_is_an_input_error_naming_it(db, moto_endpoint):
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket="no-such-bucket")
    assert str(caught.value) == (
        f"bucket s3://no-such-bucket does not exist (endpoint {moto_endpoint}) "
        "(fix: create the bucket and land the raw files; or pass --raw_bucket with the landing bucket)"
    )
    assert caught.value.exit_code == 2


def test_missing_source_fails_before_anything_loads(db, raw_bucket, land):
    land("orders", D1, DAY["orders"])
    land("fx_rates", D1, DAY["fx_rates"])
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    assert caught.value.what == (
        f"no raw files for source 'customers' and run date {D1}: "
        f"no s3://{raw_bucket}/raw/customers/run_date={D1}/*.csv"
    )
    assert query(db, "SELECT count(*) FROM staging.orders") == [(0,)]
    assert query(db, "SELECT job, status, error LIKE 'EtlInputError: no raw files%' FROM audit.job_runs") == [
        ("ingest", "failed", True)
    ]


def test_a_wrong_header_stops_the_load(db, raw_bucket, land, land_day):
    land_day(D1)
    land("fx_rates", D1, "as_of_date,currency,rate\n2026-11-19,EUR,1.08\n")
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    assert caught.value.what.startswith(
        f"s3://{raw_bucket}/raw/fx_rates/run_date={D1}/part-0.csv:1: header lacks"
    )
    assert query(db, "SELECT count(*) FROM staging.orders") == [(0,)]


def test_missing_database_is_an_input_error(raw_bucket):
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(
            "postgresql://etl:hunter2@127.0.0.1:1/nowhere", pipeline.as_run_date(D1), bucket=raw_bucket
        )
    assert caught.value.what.startswith(
        "cannot connect to PostgreSQL at postgresql://etl:***@127.0.0.1:1/nowhere: "
    )
    assert "hunter2" not in str(caught.value)
