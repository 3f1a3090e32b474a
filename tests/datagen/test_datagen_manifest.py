"""Every manifest entry is at its file and line, holds what its kind says, and expects the right catcher."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest
from datagen_support import RUN_DATE, manifest

from etlq.datagen import DEFECT_KINDS

STATUSES = {"PLACED", "PAID", "SHIPPED", "CANCELLED"}
Row = dict[str, str]


def _valid_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return bool(re.fullmatch(r"-?\d+(\.\d+)?", text))


def _valid_date(text: str) -> bool:
    try:
        return len(text) == 10 and dt.date.fromisoformat(text) is not None
    except ValueError:
        return False


def _valid_ts(text: str) -> bool:
    try:
        return "T" in text and dt.datetime.fromisoformat(text) is not None
    except ValueError:
        return False


class World:
    """All rows of all files, by physical line, plus the clean keys to judge orphans by."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.lines: dict[str, list[str]] = {}
        self.doc = manifest(out)
        planted = {(d["file"], d["line"]) for d in self.doc["defects"]}
        self.customers: set[str] = set()
        self.rates: set[tuple[str, str]] = set()
        for d in self.doc["defects"]:
            self.lines.setdefault(d["file"], (out / d["file"]).read_text(encoding="utf-8").split("\n"))
        for source, key in (("customers", "customer_id"), ("fx_rates", None)):
            rel = f"raw/{source}/run_date={RUN_DATE}/{source}.csv"
            for n, row in self.rows(rel):
                if (rel, n) not in planted:
                    if key:
                        self.customers.add(row[key])
                    else:
                        self.rates.add((row["as_of_date"], row["currency"]))

    def rows(self, rel: str) -> list[tuple[int, Row]]:
        lines = self.lines.setdefault(rel, (self.out / rel).read_text(encoding="utf-8").split("\n"))
        header = next(csv.reader([lines[0]]))
        return [
            (n, dict(zip(header, next(csv.reader([line])), strict=False)))
            for n, line in enumerate(lines[1:], start=2)
            if line
        ]

    def row(self, entry: dict[str, Any]) -> tuple[list[str], list[str]]:
        lines = self.lines[entry["file"]]
        return next(csv.reader([lines[0]])), next(csv.reader(io.StringIO(lines[entry["line"] - 1])))


def _value(world: World, e: dict[str, Any]) -> str:
    header, fields = world.row(e)
    return dict(zip(header, fields, strict=True))[e["column"]]


CHECKS: dict[str, Callable[[World, dict[str, Any]], bool]] = {
    "null_required": lambda w, e: _value(w, e) == "",
    "out_of_range": lambda w, e: Decimal(_value(w, e)) < 0,
    "unknown_accepted": lambda w, e: (
        _value(w, e).strip().upper() not in STATUSES | {"RETAIL", "SMB", "ENTERPRISE"}
    ),
    "malformed": lambda w, e: not (_valid_number(v := _value(w, e)) or _valid_date(v) or _valid_ts(v)),
    "future_date": lambda w, e: _value(w, e)[:10] > RUN_DATE.isoformat(),
    "unicode_text": lambda w, e: not _value(w, e).isascii(),
    "max_length": lambda w, e: len(_value(w, e)) == 60,  # full_name's max_length, within its type's 200
    "max_length_violation": lambda w, e: len(_value(w, e)) == 61,
    "over_length": lambda w, e: len(_value(w, e)) == 201,
    "whitespace_case": lambda w, e: (v := _value(w, e)) not in STATUSES and v.strip().upper() in STATUSES,
    "ragged_row": lambda w, e: len(w.row(e)[1]) != len(w.row(e)[0]),
    "orphan_foreign_key": lambda w, e: _value(w, e) not in w.customers,
    "missing_fx_rate": lambda w, e: (lambda r: (r["order_date"], r["currency"]) not in w.rates)(
        dict(zip(*w.row(e), strict=True))
    ),
}


def _key_seen_before(w: World, e: dict[str, Any]) -> bool:
    header, fields = w.row(e)
    row = dict(zip(header, fields, strict=True))
    cols = e["column"].split(",")
    before = [r for n, r in w.rows(e["file"]) if n < e["line"]]
    return any(all(r[c] == row[c] for c in cols) for r in before)


def _late(w: World, e: dict[str, Any]) -> bool:
    row = dict(zip(*w.row(e), strict=True))
    earlier = [r for n, r in w.rows(e["file"]) if n < e["line"] and r["order_id"] == row["order_id"]]
    return any(r["event_ts"] > row["event_ts"] for r in earlier) and all(
        r["event_ts"] != row["event_ts"] for r in earlier
    )


CHECKS["duplicate_key"] = _key_seen_before
CHECKS["late_update"] = _late


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    from datagen_support import CONTRACTS

    from etlq.contracts import load_contracts
    from etlq.datagen import GenerateOptions, generate

    out = tmp_path_factory.mktemp("defects")
    generate(
        load_contracts(CONTRACTS),
        GenerateOptions(out=str(out), rows=4000, seed=3, run_date=RUN_DATE, defects=0.05),
    )
    return World(out)


def test_every_kind_is_planted(world: World) -> None:
    assert {d["kind"] for d in world.doc["defects"]} == set(DEFECT_KINDS)
    assert set(CHECKS) == set(DEFECT_KINDS)


def test_every_entry_is_at_its_line_with_its_content(world: World) -> None:
    wrong = [e for e in world.doc["defects"] if not CHECKS[e["kind"]](world, e)]
    assert wrong == []


def test_key_field_names_the_row(world: World) -> None:
    for e in world.doc["defects"]:
        header, fields = world.row(e)
        if e["source"] == "orders" and e["kind"] != "ragged_row":
            assert e["key"] == (fields[header.index("order_id")] or None)


def test_expectations_follow_ingest_and_the_contracts(world: World) -> None:
    by_kind: dict[tuple[str, str], set[str]] = {}
    for e in world.doc["defects"]:
        by_kind.setdefault((e["source"], e["kind"]), set()).add(e["expect"])
    assert by_kind[("orders", "orphan_foreign_key")] == {"gold.fact_orders::foreign_key[customer_id]"}
    assert by_kind[("orders", "missing_fx_rate")] == {"gold.fact_orders::foreign_key[order_date,currency]"}
    assert by_kind[("orders", "duplicate_key")] == {"silver.order_events::unique[order_id,event_ts]"}
    assert by_kind[("orders", "unknown_accepted")] == {"quarantine"}  # status is validated at ingest
    assert by_kind[("orders", "out_of_range")] == {"quarantine"}  # staging declares min: 0
    assert by_kind[("customers", "unknown_accepted")] == {"staging.customers::accepted_values[segment]"}
    for kind in ("malformed", "ragged_row", "null_required"):
        assert by_kind[("orders", kind)] == {"quarantine"}
    for kind in ("late_update", "whitespace_case"):
        assert by_kind[("orders", kind)] == {"load"}
    for kind in ("unicode_text", "max_length"):
        assert by_kind[("customers", kind)] == {"load"}
    assert by_kind[("customers", "over_length")] == {"quarantine"}  # 201 characters: over the type's length
    assert by_kind[("customers", "max_length_violation")] == {"staging.customers::max_length[full_name]"}
