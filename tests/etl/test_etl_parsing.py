"""Typing raw records: every value the parser accepts, and the exact reason for those it rejects."""

from __future__ import annotations

import pytest

from etl import parsing
from etl.errors import EtlInputError
from etl.parsing import FieldError, read_records
from etl.sources import CUSTOMERS, FX_RATES, ORDERS


def typed(source, line: str) -> list[str | None]:
    return source.type_record(list(range(len(source.fields))), line.split(","))


def reject(source, line: str) -> tuple[str, str | None, str]:
    with pytest.raises(FieldError) as caught:
        typed(source, line)
    return caught.value.code, caught.value.column, caught.value.reason


def test_good_order_is_typed_and_normalized():
    assert typed(ORDERS, "42, 7 , paid ,12.5,eur,2026-11-19,2026-11-19 10:00") == [
        "42",
        "7",
        "PAID",
        "12.5",
        "EUR",
        "2026-11-19",
        "2026-11-19T10:00:00+00:00",
    ]


def test_timestamp_keeps_its_offset_and_naive_means_utc():
    assert parsing.timestamp_tz("2026-11-19T10:00:00+01:00") == "2026-11-19T10:00:00+01:00"
    assert parsing.timestamp_tz("2026-11-19T10:00:00Z") == "2026-11-19T10:00:00+00:00"
    assert parsing.timestamp_tz("2026-11-19T10:00:00.123456") == "2026-11-19T10:00:00.123456+00:00"


def test_optional_customer_fields_become_null():
    assert typed(CUSTOMERS, "10,a@x.io,Ann,,de,,2026-11-01T00:00:00Z") == [
        "10",
        "a@x.io",
        "Ann",
        None,
        "DE",
        None,
        "2026-11-01T00:00:00+00:00",
    ]


@pytest.mark.parametrize(
    ("line", "code", "column", "reason"),
    [
        ("1,10,PAID,12.50,EUR,2026-11-19", "ragged_row", None, "ragged row: 6 fields, expected 7"),
        (
            "1,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z,x",
            "ragged_row",
            None,
            "ragged row: 8 fields, expected 7",
        ),
        (
            "1,10,PAID,12.50,EUR,2026-02-30,2026-11-19T10:00:00Z",
            "bad_date",
            "order_date",
            "order_date: '2026-02-30' is not a date (YYYY-MM-DD)",
        ),
        (
            "1,10,PAID,12.50,EUR,20261119,2026-11-19T10:00:00Z",
            "bad_date",
            "order_date",
            "order_date: '20261119' is not a date (YYYY-MM-DD)",
        ),
        (
            "1,10,PAID,-0.01,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "negative_amount",
            "amount",
            "amount: -0.01 is negative (must be >= 0)",
        ),
        (
            "1,10,REFUNDED,1,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "unknown_status",
            "status",
            "status: unknown status 'REFUNDED' (expected one of CANCELLED, PAID, PLACED, SHIPPED)",
        ),
        (
            "1,10,PAID,12.345,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "bad_decimal",
            "amount",
            "amount: 12.345 has more than 2 decimal places (numeric(18,2))",
        ),
        (
            "1,10,PAID,1e3,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "bad_decimal",
            "amount",
            "amount: '1e3' is not a decimal number",
        ),
        (
            "1,10,PAID,12345678901234567,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "out_of_range",
            "amount",
            "amount: 12345678901234567 does not fit numeric(18,2)",
        ),
        (
            "x1,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "bad_integer",
            "order_id",
            "order_id: 'x1' is not a whole number",
        ),
        (
            "9223372036854775808,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "out_of_range",
            "order_id",
            "order_id: 9223372036854775808 does not fit bigint",
        ),
        (
            ",10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z",
            "missing_value",
            "order_id",
            "order_id: required value is empty",
        ),
        (
            "1,10,PAID,1,EURO,2026-11-19,2026-11-19T10:00:00Z",
            "bad_currency",
            "currency",
            "currency: 'EURO' is not a 3-letter currency code",
        ),
        (
            "1,10,PAID,1,EUR,2026-11-19,yesterday",
            "bad_timestamp",
            "event_ts",
            "event_ts: 'yesterday' is not a timestamp (YYYY-MM-DDTHH:MM:SS[+HH:MM])",
        ),
        (
            "1,10,PAID,1,EUR,2026-11-19,2026-11-19T25:00:00Z",
            "bad_timestamp",
            "event_ts",
            "event_ts: '2026-11-19T25:00:00Z' is not a timestamp (YYYY-MM-DDTHH:MM:SS[+HH:MM])",
        ),
    ],
)
def test_bad_order_values_are_rejected_with_a_precise_reason(line, code, column, reason):
    assert reject(ORDERS, line) == (code, column, reason)


def test_fx_rate_must_be_positive():
    assert reject(FX_RATES, "2026-11-19,EUR,0") == (
        "nonpositive_rate",
        "rate_to_usd",
        "rate_to_usd: 0 is not greater than 0",
    )
    assert reject(FX_RATES, "2026-11-19,EUR,-1.5")[0] == "nonpositive_rate"
    assert typed(FX_RATES, "2026-11-19,JPY,0.00670000") == ["2026-11-19", "JPY", "0.00670000"]


def test_over_length_text_is_rejected_and_the_maximum_loads():
    name = "N" * 200
    assert typed(CUSTOMERS, f"1,a@x.io,{name},,DE,SMB,2026-11-01T00:00:00Z")[2] == name
    assert reject(CUSTOMERS, f"1,a@x.io,{name}x,,DE,SMB,2026-11-01T00:00:00Z") == (
        "too_long",
        "full_name",
        "full_name: 201 characters, at most 200 allowed",
    )


def test_header_may_reorder_columns_but_not_miss_or_add_any():
    header = ["Currency", "as_of_date", " rate_to_usd "]
    assert FX_RATES.header_index(header, "s3://b/f.csv") == [1, 0, 2]
    with pytest.raises(EtlInputError) as caught:
        FX_RATES.header_index(["as_of_date", "currency", "rate", "x"], "s3://b/f.csv")
    assert str(caught.value) == (
        "s3://b/f.csv:1: header lacks rate_to_usd; has unexpected 'rate', 'x' "
        "(expected as_of_date,currency,rate_to_usd) "
        "(fix: fix the fx_rates extract so its header is as_of_date,currency,rate_to_usd)"
    )


def records(data: bytes) -> list[tuple[int, str, list[str], str | None]]:
    lines = [line + b"\n" for line in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    return [
        (r.line_no, r.raw, r.fields, r.error.code if r.error else None)
        for r in read_records(x for x in lines if x)
    ]


def test_records_keep_line_numbers_and_raw_text_across_quoted_newlines():
    data = b'\xef\xbb\xbfa,b\r\n1,"two\nlines"\r\n\r\n3,4'
    assert records(data) == [
        (1, "a,b", ["a", "b"], None),
        (2, '1,"two\nlines"', ["1", "two\nlines"], None),
        (4, "", [], None),
        (5, "3,4", ["3", "4"], None),
    ]


def test_broken_records_become_errors_and_reading_goes_on():
    data = b'a,b\n1,"x"y\n2,\xff\xfe\n3,ok\n4,"never closed\n5,z'
    assert records(data) == [
        (1, "a,b", ["a", "b"], None),
        (2, '1,"x"y', [], "malformed_csv"),
        (3, "2,\ufffd\ufffd", ["2", "\ufffd\ufffd"], "bad_encoding"),
        (4, "3,ok", ["3", "ok"], None),
        (5, '4,"never closed\n5,z', [], "malformed_csv"),
    ]
