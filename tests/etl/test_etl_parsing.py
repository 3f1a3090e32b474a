"""Splitting raw CSV into records, in Python: line numbers, raw text, fields, and the records
that cannot be split (malformed CSV, bad encoding, ragged rows). Typing is test_etl_typing.py."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from typing import Any

import pytest
from etl_support import FakeS3

from etl import aws
from etl.errors import EtlInputError
from etl.parsing import RecordSplitter
from etl.sources import FX_RATES


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


def records(data: bytes, n: int = 2, chunk: int = 1 << 20) -> list[list[str]]:
    """The landing rows of a file after its header, split into their COPY text columns."""
    splitter = RecordSplitter(aws.iter_chunks(FakeS3(data, chunk), aws.RawFile("b", "k", 0)))
    assert splitter.header() is not None
    return [row.split("\t") for block in splitter.rows(list(range(n))) for row in block.splitlines()]


def test_records_keep_line_numbers_and_raw_text_across_quoted_newlines():
    data = b'\xef\xbb\xbfa,b\r\n1,"two\nlines"\r\n\r\n3,4\\x\t'
    assert records(data) == [
        ["2", '1,"two\\nlines"', "\\N", "\\N", "1", "two\\nlines"],
        ["4", "", "ragged_row", "ragged row: blank line, expected 2", "\\N", "\\N"],
        ["5", "\\N", "\\N", "\\N", "3", "4\\\\x\\t"],  # raw text = the fields joined: not sent
    ]
    assert records(data, chunk=3) == records(data)


def test_broken_records_become_errors_and_reading_goes_on():
    data = b'a,b\n1,"x"y\n2,\xff\xfe\n3,ok\n4,"never closed\n5,z'
    assert [r[:4] for r in records(data)] == [
        ["2", '1,"x"y', "malformed_csv", "malformed CSV at line 2: ',' expected after '\"'"],
        ["3", "2,\ufffd\ufffd", "bad_encoding", "invalid UTF-8 at byte 3 of line 3"],
        ["4", "\\N", "\\N", "\\N"],
        ["5", '4,"never closed\\n5,z', "malformed_csv", "malformed CSV at lines 5-6: unexpected end of data"],
    ]


def reference_rows(data: bytes, n: int) -> list[list[str]]:
    """The landing rows as the record reader before the SQL typing produced its records: one line
    at a time through the csv module (kept here as the specification of the splitting)."""
    lines = [line + b"\n" for line in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]
    state: dict[str, Any] = {"line_no": 0, "consumed": [], "error": None}

    def feed() -> Iterator[str]:
        for raw in (x for x in lines if x):
            state["line_no"] += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = raw.decode("utf-8", errors="replace")
                if state["error"] is None:
                    state["error"] = f"invalid UTF-8 at byte {exc.start + 1} of line {state['line_no']}"
            if state["line_no"] == 1:
                text = text.removeprefix("\ufeff")
            state["consumed"].append(text)
            yield text

    def take() -> tuple[str, str | None]:
        raw = "".join(state["consumed"])
        raw = raw[:-1] if raw.endswith("\n") else raw
        raw = raw[:-1] if raw.endswith("\r") else raw
        error, state["error"], state["consumed"] = state["error"], None, []
        return raw.replace("\x00", "\ufffd"), error

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")

    reader = csv.reader(feed(), strict=True)
    rows: list[list[str]] = []
    while True:
        first = state["line_no"] + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raw, _ = take()
            span = f"line {first}" if state["line_no"] <= first else f"lines {first}-{state['line_no']}"
            rows.append([str(first), esc(raw), "malformed_csv", esc(f"malformed CSV at {span}: {exc}")])
            continue
        raw, error = take()
        if error:
            rows.append([str(first), esc(raw), "bad_encoding", error])
        elif any("\x00" in f for f in fields):
            rows.append([str(first), esc(raw), "bad_encoding", "NUL character in the record"])
        elif len(fields) != n:
            what = "blank line" if not fields else f"{len(fields)} fields"
            rows.append([str(first), esc(raw), "ragged_row", f"ragged row: {what}, expected {n}"])
        else:
            rows.append([str(first), esc(raw) if '"' in raw else "\\N", "\\N", "\\N", *map(esc, fields)])
    return [row + ["\\N"] * (4 + n - len(row)) for row in rows[1:]]  # the header is not a row


def test_splitting_matches_the_csv_module_line_by_line_whatever_the_chunks():
    pieces = [
        "1", "22", "x y", " pad ", "", "a\\b", "t\tb", '"q,1"', '"multi\nline"', '"say ""hi"""', '"cr\rlf"',
        "é", '"x"y', '"open', "nul\x00", "\udcff",
    ]  # fmt: skip
    rng = random.Random(7)
    seen: set[str] = set()
    for trial in range(300):
        lines = []
        for _ in range(rng.randint(0, 12)):
            width = rng.choice([3, 3, 3, 3, 2, 4, 0])
            lines.append(",".join(rng.choice(pieces[:11] if trial % 3 else pieces) for _ in range(width)))
        text = "a,b,c\n" + ("\r\n" if trial % 5 == 0 else "\n").join(lines) + ("\n" if trial % 2 else "")
        data = ("\ufeff" if trial % 7 == 0 else "").encode() + text.encode("utf-8", "surrogateescape")
        expected = reference_rows(data, 3)
        for chunk in (1, 5, 16, 1 << 20):
            assert records(data, n=3, chunk=chunk) == expected, (trial, chunk, data)
        seen.update(row[2] for row in expected)
    assert seen == {"\\N", "ragged_row", "malformed_csv", "bad_encoding"}
