"""With --defects 0 every value respects its contract and every foreign key holds across files."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from datagen_support import RUN_DATE, raw_file, read_rows

STATUSES = ("PLACED", "PAID", "SHIPPED", "CANCELLED")
WINDOW = (RUN_DATE - dt.timedelta(days=30), RUN_DATE - dt.timedelta(days=1))
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, str]]]:
    from datagen_support import CONTRACTS

    from etlq.contracts import load_contracts
    from etlq.datagen import GenerateOptions, generate

    out = tmp_path_factory.mktemp("clean")
    generate(
        load_contracts(CONTRACTS), GenerateOptions(out=str(out), rows=20_000, seed=11, run_date=RUN_DATE)
    )
    loaded = {}
    for source in ("orders", "customers", "fx_rates"):
        header, rows = read_rows(raw_file(out, source))
        assert all(len(r) == len(header) for r in rows)
        loaded[source] = [dict(zip(header, r, strict=True)) for r in rows]
    return loaded


def test_row_counts_follow_rows(files: dict[str, list[dict[str, str]]]) -> None:
    assert len(files["orders"]) == 20_000
    assert len(files["customers"]) == 2_000  # PARENT_SHARE of the child's rows
    assert len(files["fx_rates"]) == 30 * 8  # every day of the window x every currency


def test_foreign_keys_hold_across_files(files: dict[str, list[dict[str, str]]]) -> None:
    customers = {r["customer_id"] for r in files["customers"]}
    rates = {(r["as_of_date"], r["currency"]) for r in files["fx_rates"]}
    assert len(customers) == len(files["customers"])
    assert len(rates) == len(files["fx_rates"])
    assert {r["customer_id"] for r in files["orders"]} <= customers
    assert {(r["order_date"], r["currency"]) for r in files["orders"]} <= rates
    assert "USD" in {c for _, c in rates}


def test_orders_respect_their_contracts(files: dict[str, list[dict[str, str]]]) -> None:
    for r in files["orders"]:
        assert r["status"] in STATUSES
        assert re.fullmatch(r"\d+\.\d{2}", r["amount"]) and Decimal(r["amount"]) >= 0
        assert re.fullmatch(r"[A-Z]{3}", r["currency"])
        assert WINDOW[0] <= dt.date.fromisoformat(r["order_date"]) <= WINDOW[1]
        assert TS.match(r["event_ts"]) and dt.datetime.fromisoformat(r["event_ts"]).date() < RUN_DATE


def test_events_of_an_order_follow_the_lifecycle(files: dict[str, list[dict[str, str]]]) -> None:
    events: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in files["orders"]:
        events[r["order_id"]].append(r)
    sizes = defaultdict(int)
    for rows in events.values():
        sizes[len(rows)] += 1
        times = [r["event_ts"] for r in rows]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert {(r["customer_id"], r["amount"], r["currency"], r["order_date"]) for r in rows} == {
            (rows[0]["customer_id"], rows[0]["amount"], rows[0]["currency"], rows[0]["order_date"])
        }
        assert rows[0]["event_ts"][:10] == rows[0]["order_date"]
        walked = [r["status"] for r in rows]
        assert walked[:-1] == list(STATUSES[: len(rows) - 1])
        assert walked[-1] in (STATUSES[len(rows) - 1], "CANCELLED")
    assert set(sizes) == {1, 2, 3} and sizes[2] > 0.1 * len(events)


def test_customers_respect_their_contracts(files: dict[str, list[dict[str, str]]]) -> None:
    nulls = 0
    for r in files["customers"]:
        assert r["customer_id"].isdigit()
        assert re.fullmatch(r"[^@ ]+@[^@ ]+\.[a-z]+", r["email"]) and len(r["email"]) <= 254
        assert re.fullmatch(r"[A-Z]{2}", r["country"])
        assert r["segment"] in ("RETAIL", "SMB", "ENTERPRISE")
        assert TS.match(r["updated_at"])
        nulls += r["phone"] == ""
        assert r["phone"] == "" or len(re.sub(r"\D", "", r["phone"])) >= 10
    assert 0 < nulls < 0.1 * len(files["customers"])  # optional text gets a few NULLs


def test_fx_rates_are_positive_and_usd_is_one(files: dict[str, list[dict[str, str]]]) -> None:
    for r in files["fx_rates"]:
        rate = Decimal(r["rate_to_usd"])
        assert rate > 0 and len(r["rate_to_usd"].split(".")[1]) == 6  # numeric(18,6)
        assert (rate == 1) == (r["currency"] == "USD")


def test_tables_glob_generates_other_layers_with_their_keys(project_contracts, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from etlq.datagen import GenerateOptions, generate

    generate(
        project_contracts,
        GenerateOptions(out=str(tmp_path), rows=3000, seed=2, run_date=RUN_DATE, tables="gold.*"),
    )
    gold = {}
    for name in ("fact_orders", "dim_customers", "dim_fx", "daily_revenue"):
        header, rows = read_rows(tmp_path / "gold" / f"{name}.csv")
        gold[name] = [dict(zip(header, r, strict=True)) for r in rows]
    facts = gold["fact_orders"]
    assert len(facts) == 3000 and len({r["order_id"] for r in facts}) == 3000  # one row per order
    assert {r["customer_id"] for r in facts} <= {r["customer_id"] for r in gold["dim_customers"]}
    rates = {(r["as_of_date"], r["currency"]) for r in gold["dim_fx"]}
    assert {(r["order_date"], r["currency"]) for r in facts} <= rates
    days = [r["order_date"] for r in gold["daily_revenue"]]
    assert len(days) == len(set(days)) == 30 and min(days) == str(WINDOW[0])
