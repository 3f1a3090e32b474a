"""Typing landed records in SQL: every value the ETL accepts, and the exact reason for those it
rejects (the first failing field wins), through the real ingest path with a stand-in for S3."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from etl_support import FakeS3

from etl import aws
from etl import db as etl_db
from etl.errors import EtlInputError
from etl.ingest import ingest_source
from etl.sources import CUSTOMERS, FX_RATES, ORDERS, Source

URI = "s3://b/raw/part-0.csv"
GOOD_ORDER = "1,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z"


@pytest.fixture(scope="module")
def conn(pg_server: Any) -> Iterator[Any]:
    """A database of this module's own (the other ETL tests commit and drop schemas in theirs),
    with the ETL's schema; every test rolls back what it did."""
    name = f"etlq_typing_{uuid.uuid4().hex[:8]}"
    conn = etl_db.connect(pg_server.create_database(name))
    etl_db.ensure_schema(conn)
    yield conn
    conn.close()
    pg_server.drop_database(name)


def ingest_bytes(
    conn: Any, source: Source, data: bytes, chunk: int = 1 << 20, setup: str | None = None
) -> tuple[list, list, Any]:
    """Ingest one raw file, rolled back after: (staging rows, quarantine rows, stats)."""
    try:
        with conn.cursor() as cur:
            if setup:
                cur.execute(setup)
            stats = ingest_source(
                cur,
                FakeS3(data, chunk),
                source,
                [aws.RawFile("b", "raw/part-0.csv", 0)],
                dt.date(2026, 11, 20),
                1,
            )
            cur.execute(
                f"SELECT {', '.join(source.columns)}, source_line FROM {source.table} ORDER BY source_line"
            )
            staged = cur.fetchall()
            cur.execute(
                "SELECT line_no, raw_line, reason_code, column_name, reason"
                " FROM audit.quarantine ORDER BY line_no"
            )
            return staged, cur.fetchall(), stats
    finally:
        conn.rollback()


def csv_bytes(source: Source, lines: Sequence[str]) -> bytes:
    return ("\n".join([",".join(source.columns), *lines]) + "\n").encode("utf-8")


def typed(conn: Any, source: Source, line: str) -> tuple:
    staged, bad, _ = ingest_bytes(conn, source, csv_bytes(source, [line]))
    assert bad == []
    return staged[0][:-1]


def reject(conn: Any, source: Source, line: str) -> tuple[str, str | None, str]:
    staged, bad, _ = ingest_bytes(conn, source, csv_bytes(source, [line]))
    assert staged == []
    [(_, raw, code, column, reason)] = bad
    assert raw == line
    return code, column, reason


UTC = dt.timezone.utc  # noqa: UP017


def test_good_order_is_typed_and_normalized(conn):
    assert typed(conn, ORDERS, "42, 7 , paid ,12.5,eur,2026-11-19,2026-11-19 10:00") == (
        42,
        7,
        "PAID",
        Decimal("12.50"),
        "EUR",
        dt.date(2026, 11, 19),
        dt.datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-19T10:00:00+01:00", dt.datetime(2026, 11, 19, 9, 0, tzinfo=UTC)),
        ("2026-11-19T10:00:00Z", dt.datetime(2026, 11, 19, 10, 0, tzinfo=UTC)),
        ("2026-11-19T10:00:00+00:00", dt.datetime(2026, 11, 19, 10, 0, tzinfo=UTC)),
        ("2026-11-19 10:00:00+00", dt.datetime(2026, 11, 19, 10, 0, tzinfo=UTC)),
        ("2026-11-19T10:00:00.123456", dt.datetime(2026, 11, 19, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-19T10:00:00.500Z", dt.datetime(2026, 11, 19, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-19T10:00-0530", dt.datetime(2026, 11, 19, 15, 30, tzinfo=UTC)),
        ("2026-11-19T23:59:59-01", dt.datetime(2026, 11, 20, 0, 59, 59, tzinfo=UTC)),
        ("0999-01-01T00:00:00", dt.datetime(999, 1, 1, tzinfo=UTC)),
    ],
)
def test_timestamps_keep_their_offset_and_naive_means_utc(conn, text, expected):
    assert typed(conn, ORDERS, f"1,10,PAID,1,EUR,2026-11-19,{text}")[-1] == expected


def test_optional_customer_fields_become_null_and_text_is_trimmed(conn):
    assert typed(conn, CUSTOMERS, "10,\u00a0a@x.io ,Ann\u3000,,de, \t ,2026-11-01T00:00:00Z") == (
        10,
        "a@x.io",
        "Ann",
        None,
        "DE",
        None,
        dt.datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_values_with_quotes_tabs_backslashes_and_line_breaks_load_exactly(conn):
    name = 'Ann "the \\ back\tslash" O\'Hara,\r\nJr.'
    quoted = '"' + name.replace('"', '""') + '"'
    staged, bad, _ = ingest_bytes(
        conn, CUSTOMERS, csv_bytes(CUSTOMERS, [f"10,a@x.io,{quoted},,DE,,2026-11-01T00:00:00Z"])
    )
    assert bad == []
    assert staged[0][2] == name


def order(**values: str) -> str:
    """GOOD_ORDER with some of its values replaced."""
    fields = GOOD_ORDER.split(",")
    return ",".join(values.get(c, fields[i]) for i, c in enumerate(ORDERS.columns))


TS = "(YYYY-MM-DDTHH:MM:SS[+HH:MM])"
BAD_ORDERS = [  # (line, reason_code, column_name, reason)
    ("1,10,PAID,12.50,EUR,2026-11-19", "ragged_row", None, "ragged row: 6 fields, expected 7"),
    (GOOD_ORDER + ",x", "ragged_row", None, "ragged row: 8 fields, expected 7"),
    ("", "ragged_row", None, "ragged row: blank line, expected 7"),
    *[
        (order(order_id=v), "bad_integer", "order_id", f"order_id: {v!r} is not a whole number")
        for v in ["x1", "+1", "1_000", "0x1F"]
    ],
    (order(order_id="9223372036854775808"), "out_of_range", "order_id",
     "order_id: 9223372036854775808 does not fit bigint"),
    (order(customer_id="-009223372036854775809"), "out_of_range", "customer_id",
     "customer_id: -9223372036854775809 does not fit bigint"),
    (order(order_id=""), "missing_value", "order_id", "order_id: required value is empty"),
    (order(status="  "), "missing_value", "status", "status: required value is empty"),
    (order(status="REFUNDED"), "unknown_status", "status",
     "status: unknown status 'REFUNDED' (expected one of CANCELLED, PAID, PLACED, SHIPPED)"),
    (order(amount="1e3"), "bad_decimal", "amount", "amount: '1e3' is not a decimal number"),
    (order(amount=".5"), "bad_decimal", "amount", "amount: '.5' is not a decimal number"),
    (order(amount="NaN"), "bad_decimal", "amount", "amount: 'NaN' is not a decimal number"),
    (order(amount="12.345"), "bad_decimal", "amount",
     "amount: 12.345 has more than 2 decimal places (numeric(18,2))"),
    (order(amount="12345678901234567"), "out_of_range", "amount",
     "amount: 12345678901234567 does not fit numeric(18,2)"),
    (order(amount="-0.01"), "negative_amount", "amount", "amount: -0.01 is negative (must be >= 0)"),
    (order(currency="EURO"), "bad_currency", "currency", "currency: 'EURO' is not a 3-letter currency code"),
    (order(currency="E1R"), "bad_currency", "currency", "currency: 'E1R' is not a 3-letter currency code"),
    *[
        (order(order_date=d), "bad_date", "order_date", f"order_date: {d!r} is not a date (YYYY-MM-DD)")
        for d in ["2026-02-30", "20261119", "2026-1-19", "0000-01-01"]
    ],
    *[
        (order(event_ts=ts), "bad_timestamp", "event_ts", f"event_ts: {ts!r} is not a timestamp {TS}")
        for ts in [
            "yesterday",
            "2026-11-19T25:00:00Z",  # no hour 25
            "2026-11-19T24:00:00Z",  # PostgreSQL reads 24:00 as the next midnight; Python does not
            "2026-11-19T10:00:60",  # nor a 60th second
            "2026-02-30T10:00:00Z",
            "2026-11-19",
            "2026-11-19T10:00:00.1234567Z",  # at most microseconds
            "10000-01-01T00:00:00Z",
            "2026-11-19T10:00:00 Europe/Berlin",
            "2026-11-19T10:00:00+20:00",  # PostgreSQL's offsets end at 15:59
        ]
    ],
    # the first failing field wins, whatever is wrong further right
    ("x,10,REFUNDED,-1,EURO,2026-02-30,never", "bad_integer", "order_id",
     "order_id: 'x' is not a whole number"),
    ("1,10,PAID,-1,EURO,2026-02-30,never", "negative_amount", "amount",
     "amount: -1 is negative (must be >= 0)"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "code", "column", "reason"), BAD_ORDERS)
def test_bad_order_values_are_rejected_with_a_precise_reason(conn, line, code, column, reason):
    assert reject(conn, ORDERS, line) == (code, column, reason)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("it's", '"it\'s"'),
        ('say "it\'s"', "'say \"it\\'s\"'"),
        ("back\\slash", "'back\\\\slash'"),
        ("x" * 41, "'" + "x" * 40 + "...'"),
    ],
)
def test_reasons_show_a_value_as_python_repr_would(conn, value, shown):
    quoted = '"' + value.replace('"', '""') + '"'
    code, _, reason = reject(conn, ORDERS, f"{quoted},10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z")
    assert (code, reason) == ("bad_integer", f"order_id: {shown} is not a whole number")
    assert shown == repr(value if len(value) <= 40 else value[:40] + "...")


@pytest.mark.parametrize(
    ("value", "stored"),
    [("007", 7), ("-0", 0), ("-9223372036854775808", -(2**63)), (" 12 ", 12)],
)
def test_whole_numbers_load_as_their_value(conn, value, stored):
    assert typed(conn, ORDERS, f"{value},10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z")[0] == stored


@pytest.mark.parametrize("value", ["0", "-0.00", "12.500", "0012.5", "9999999999999999.99"])
def test_decimals_within_the_column_load(conn, value):
    amount = typed(conn, ORDERS, f"1,10,PAID,{value},EUR,2026-11-19,2026-11-19T10:00:00Z")[3]
    assert amount == Decimal(value)


def test_fx_rate_must_be_positive(conn):
    assert reject(conn, FX_RATES, "2026-11-19,EUR,0") == (
        "nonpositive_rate",
        "rate_to_usd",
        "rate_to_usd: 0 is not greater than 0",
    )
    assert reject(conn, FX_RATES, "2026-11-19,EUR,-0.00")[0] == "nonpositive_rate"
    assert reject(conn, FX_RATES, "2026-11-19,EUR,-1.5")[0] == "nonpositive_rate"
    assert reject(conn, FX_RATES, "2026-11-19,EUR,1.123456789") == (
        "bad_decimal",
        "rate_to_usd",
        "rate_to_usd: 1.123456789 has more than 8 decimal places (numeric(18,8))",
    )
    assert typed(conn, FX_RATES, "2026-11-19, jpy ,0.00670000")[1:] == ("JPY", Decimal("0.0067"))


def test_over_length_text_is_rejected_and_the_maximum_loads(conn):
    name = "N" * 200
    assert typed(conn, CUSTOMERS, f"1,a@x.io, {name} ,,DE,SMB,2026-11-01T00:00:00Z")[2] == name
    assert reject(conn, CUSTOMERS, f"1,a@x.io,{name}x,,DE,SMB,2026-11-01T00:00:00Z") == (
        "too_long",
        "full_name",
        "full_name: 201 characters, at most 200 allowed",
    )
    assert reject(conn, CUSTOMERS, "1, ,Ann,,DE,SMB,2026-11-01T00:00:00Z") == (
        "missing_value",
        "email",
        "email: required value is empty",
    )
    assert reject(conn, CUSTOMERS, "1,a@x.io,Ann,,DEU,SMB,2026-11-01T00:00:00Z") == (
        "bad_country",
        "country",
        "country: 'DEU' is not a 2-letter country code",
    )


def test_splitting_errors_and_good_rows_in_one_file(conn):
    data = (
        b"order_id,customer_id,status,amount,currency,order_date,event_ts\r\n"
        b'1,10,PAID,"1,5",EUR,2026-11-19,2026-11-19T10:00:00Z\r\n'  # 2: quoted comma: bad decimal
        b'2,10,"PAID"x,1,EUR,2026-11-19,2026-11-19T10:00:00Z\r\n'  # 3: malformed
        b"3,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z\xff\r\n"  # 4: bad UTF-8
        b"4,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z\x00\r\n"  # 5: NUL
        b'5,10,"PA\r\nID",1,EUR,2026-11-19,2026-11-19T10:00:00Z\r\n'  # 6-7: unknown status
        b"6,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z"  # 8: loads, no final line break
    )
    staged, bad, stats = ingest_bytes(conn, ORDERS, data)
    assert [row[0] for row in staged] == [6]
    assert [row[-1] for row in staged] == [8]
    assert bad == [
        (
            2,
            '1,10,PAID,"1,5",EUR,2026-11-19,2026-11-19T10:00:00Z',
            "bad_decimal",
            "amount",
            "amount: '1,5' is not a decimal number",
        ),
        (
            3,
            '2,10,"PAID"x,1,EUR,2026-11-19,2026-11-19T10:00:00Z',
            "malformed_csv",
            None,
            "malformed CSV at line 3: ',' expected after '\"'",
        ),
        (
            4,
            "3,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z\ufffd",
            "bad_encoding",
            None,
            "invalid UTF-8 at byte 48 of line 4",
        ),
        (
            5,
            "4,10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z\ufffd",
            "bad_encoding",
            None,
            "NUL character in the record",
        ),
        (
            6,
            '5,10,"PA\r\nID",1,EUR,2026-11-19,2026-11-19T10:00:00Z',
            "unknown_status",
            "status",
            "status: unknown status 'PA\\r\\nID' (expected one of CANCELLED, PAID, PLACED, SHIPPED)",
        ),
    ]
    assert (stats.rows_in, stats.rows_loaded, stats.rows_quarantined) == (6, 1, 5)
    assert stats.reasons == {"bad_decimal": 1, "malformed_csv": 1, "bad_encoding": 2, "unknown_status": 1}


def test_results_do_not_depend_on_where_the_file_is_cut_into_chunks(conn):
    lines = [GOOD_ORDER.replace("1,", f"{i},", 1) for i in range(1, 40)]
    lines[5] = '6,10,"PA\nID",1,EUR,2026-11-19,2026-11-19T10:00:00Z'
    lines[9] = '10,10,"never closed,1,EUR'
    data = csv_bytes(ORDERS, lines).replace(b"PAID,1,EUR", b"paid ,\t1,EUR", 3)
    whole = ingest_bytes(conn, ORDERS, data)
    for chunk in (1, 7, 64, 300):
        assert ingest_bytes(conn, ORDERS, data, chunk=chunk)[:2] == whole[:2]
    staged, bad, _ = whole
    assert [(b[0], b[2]) for b in bad] == [(7, "unknown_status"), (12, "malformed_csv")]
    assert bad[1][4] == "malformed CSV at lines 12-41: unexpected end of data"
    assert len(staged) == 8 and staged[0][2:4] == ("PAID", Decimal(1))


def test_a_header_in_any_order_maps_the_columns(conn):
    data = b" Currency ,as_of_date,RATE_TO_USD\nEUR,2026-11-19,1.08\n"
    staged, bad, _ = ingest_bytes(conn, FX_RATES, data)
    assert bad == []
    assert staged == [(dt.date(2026, 11, 19), "EUR", Decimal("1.08"), 2)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", f"{URI} is empty: no header row (fix: expected header as_of_date,currency,rate_to_usd)"),
        (
            b'"as_of_date,currency\n',
            f"{URI}:1: unreadable header: malformed CSV at line 1: unexpected end of data",
        ),
        (
            b"as_of_date,curr\xffency,rate_to_usd\n",
            f"{URI}:1: unreadable header: invalid UTF-8 at byte 16 of line 1",
        ),
    ],
)
def test_an_unreadable_header_stops_the_load(conn, data, message):
    with pytest.raises(EtlInputError) as caught:
        ingest_bytes(conn, FX_RATES, data)
    assert str(caught.value) == message


def test_input_is_valid_falls_back_to_a_cast_with_the_same_answers(conn):
    """Servers before PostgreSQL 16 get the plpgsql body; it must agree with pg_input_is_valid."""
    cases = [
        (v, t)
        for t, values in {
            "bigint": ["1", "-9223372036854775808", "9223372036854775808", "x", "", " 7 "],
            "numeric(18,2)": ["1.005", "9999999999999999.99", "99999999999999999", "1e3", "NaN", "x"],
            "date": ["2026-02-28", "2026-02-30", "0000-01-01", "yesterday", "20261119"],
            "timestamptz": [
                "2026-11-19T10:00:00Z",
                "2026-11-19T25:00:00Z",
                "2026-11-19T10:00:00+20:00",
                "now",
            ],
        }.items()
        for v in values
    ]
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT current_setting('server_version_num')::int >= 160000")
            if not cur.fetchone()[0]:
                pytest.skip("pg_input_is_valid needs PostgreSQL 16")
            for value, type_name in cases:
                cur.execute(
                    "SELECT audit.input_is_valid(%s, %s), audit.input_is_valid_by_cast(%s, %s),"
                    " pg_input_is_valid(%s, %s)",
                    (value, type_name) * 3,
                )
                (ours, by_cast, builtin) = cur.fetchone()
                assert ours == by_cast == builtin, (value, type_name)
        finally:
            conn.rollback()


def test_no_value_is_pasted_into_sql(conn):
    """A value that looks like SQL is data: it lands in quarantine verbatim."""
    value = "1');DROP TABLE staging.orders;--"
    assert reject(conn, ORDERS, f"{value},10,PAID,1,EUR,2026-11-19,2026-11-19T10:00:00Z") == (
        "bad_integer",
        "order_id",
        f"order_id: {value!r} is not a whole number",
    )


BLANKS = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def test_every_blank_python_strips_is_trimmed_from_every_kind_of_value(conn):
    """The checks on untrimmed values must reject a blank at either edge, or it would load as is."""
    blanks = [b for b in BLANKS if b not in "\r\n"]  # a line break ends an unquoted field
    for source, line in [(ORDERS, GOOD_ORDER), (CUSTOMERS, "10,a@x.io,Ann,+49,DE,SMB,2026-11-01T00:00:00Z")]:
        values = line.split(",")
        lines = [",".join(f"{b}{v}{b}" if i % 2 else f"{v}{b}" for i, v in enumerate(values)) for b in blanks]
        staged, bad, _ = ingest_bytes(conn, source, csv_bytes(source, lines))
        assert bad == []
        assert {row[:-1] for row in staged} == {typed(conn, source, line)}
        assert len(staged) == len(blanks) == 27


def test_a_failure_while_reading_raises_after_the_copy_and_lands_nothing(conn):
    class Broken(FakeS3):
        def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
            if Key.endswith("part-1.csv"):
                return {
                    "Body": type("Body", (), {"iter_chunks": lambda self, n: iter([b"order_id,oops\n"])})()
                }
            return super().get_object(Bucket, Key)

    files = [aws.RawFile("b", f"raw/part-{i}.csv", 0) for i in range(2)]
    with conn.cursor() as cur:
        try:
            with pytest.raises(EtlInputError, match=r"part-1.csv:1: header lacks customer_id"):
                ingest_source(
                    cur, Broken(csv_bytes(ORDERS, [GOOD_ORDER])), ORDERS, files, dt.date(2026, 11, 20), 1
                )
        finally:
            conn.rollback()
        cur.execute("SELECT to_regclass('audit.ingest_orders_landed')")
        assert cur.fetchone() == (None,)
        conn.rollback()


def test_the_helpers_are_the_server_s_own_where_it_has_them(conn):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT prosrc LIKE '%pg_input_is_valid%'"
            " = (current_setting('server_version_num')::int >= 160000)"
            " FROM pg_proc WHERE oid = 'audit.input_is_valid(text, text)'::regprocedure"
        )
        assert cur.fetchone() == (True,)
        cur.execute(
            "SELECT audit.strip_blanks(%s), audit.is_stripped(%s), audit.is_stripped('a b')",
            (BLANKS + "x" + BLANKS, BLANKS[5] + "x"),
        )
        assert cur.fetchone() == ("x", False, True)
    conn.rollback()


def test_servers_before_16_get_the_same_results_from_the_cast_fallback(conn):
    """The DDL's branch for PostgreSQL 14/15 (no pg_input_is_valid): same rows, same reasons."""
    ddl = (Path(__file__).resolve().parents[2] / "etl" / "sql" / "ddl" / "15_ingest.sql").read_text()
    fallback = ddl.split("ELSE", 1)[1].split("END IF", 1)[0]
    assert "input_is_valid_by_cast" in fallback
    data = csv_bytes(ORDERS, [GOOD_ORDER, order(status=" paid "), *(line for line, *_ in BAD_ORDERS)])
    staged, bad, _ = ingest_bytes(conn, ORDERS, data)
    assert len(staged) == 2 and len(bad) == len(BAD_ORDERS)
    assert ingest_bytes(conn, ORDERS, data, setup=fallback)[:2] == (staged, bad)
