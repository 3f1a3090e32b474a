"""``etlq contract init`` drafts ``checks.anomalies`` for a table whose metrics history holds the
minimum number of days, with the seasonality that history shows; and none for a table with less."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from etlq import history
from fixtures.database import query

END = dt.date(2026, 11, 30)


@pytest.fixture
def shop(fresh_database_url: str) -> str:
    query(
        fresh_database_url,
        "CREATE SCHEMA shop;"
        " CREATE TABLE shop.sales (id bigint PRIMARY KEY, region text, amount numeric(12,2) NOT NULL);"
        " CREATE TABLE shop.fresh (id bigint PRIMARY KEY, note text);"
        " INSERT INTO shop.sales SELECT g, 'eu', 2 FROM generate_series(1, 100) g;"
        " INSERT INTO shop.fresh VALUES (1, 'x')",
    )
    return fresh_database_url


def seed(store: Path, table: str, days: int, weekly: bool) -> None:
    records = []
    for back in range(days, 0, -1):
        day = END - dt.timedelta(days=back)
        rows = 1000.0 * (0.4 if weekly and day.weekday() >= 5 else 1.0)
        for metric, column, value in (
            ("row_count", None, rows),
            ("null_fraction", "region", 0.01),
            ("null_fraction", "amount", 0.0),
            ("sum", "amount", rows * 2),
            ("sum", "id", rows * rows / 2),
        ):
            records.append({"table": table, "run_date": day.isoformat(), "metric": metric, "value": value})
            records[-1] |= {"column": column} if column else {}
    history.open_store(str(store)).append(records)


def init(etlq: Any, url: str, store: Path, out: Path) -> tuple[dict[str, Any], dict[str, Any], str]:
    code, _, err = etlq(
        "contract", "init", "--url", url, "--schema", "shop", "--out", str(out), "--history", str(store)
    )
    assert code == 0, err
    load = lambda name: yaml.safe_load((out / "shop" / f"{name}.yml").read_text())  # noqa: E731
    return load("sales"), load("fresh"), err


def test_a_table_with_history_gets_anomaly_checks(shop: str, etlq: Any, tmp_path: Path) -> None:
    store = tmp_path / "history.jsonl"
    seed(store, "shop.sales", 35, weekly=True)
    seed(store, "shop.fresh", 5, weekly=False)
    sales, fresh, err = init(etlq, shop, store, tmp_path / "contracts")
    # region is nullable: its null rate; amount is NOT NULL (not_null covers it) but numeric: its
    # sum; id is the key: no sum of ids
    assert sales["checks"]["anomalies"] == {
        "metrics": ["volume", "null_rate:region", "sum:amount"],
        "seasonality": ["weekly"],
    }
    assert "anomalies" not in fresh.get("checks", {})
    assert "shop.fresh: 5 day(s) of history, 21 needed to propose checks.anomalies" in err
    assert "shop.sales: proposed checks.anomalies from 35 day(s) of history" in err
    code, out, err = etlq(
        "contract", "validate", "--contracts", str(tmp_path / "contracts"), "--format", "json"
    )
    ids = [i for c in json.loads(out)["contracts"] for i in c["checks"]]
    assert code == 0 and "shop.sales::anomaly[sum:amount]" in ids, err
    # and the draft judges today against that history at once (today, 100 rows, is far below usual)
    code, out, _ = etlq(
        "check", "--url", shop, "--contracts", str(tmp_path / "contracts"), "--history", str(store),
        "--run-date", END.isoformat(), "--format", "json",
    )  # fmt: skip
    volume = next(c for c in json.loads(out)["checks"] if c["id"] == "shop.sales::anomaly[volume]")
    assert volume["outcome"] == "failed"


def test_a_flat_history_proposes_no_seasonality_and_no_store_changes_nothing(
    shop: str, etlq: Any, tmp_path: Path
) -> None:
    store = tmp_path / "history.jsonl"
    seed(store, "shop.sales", 21, weekly=False)
    sales, _, _ = init(etlq, shop, store, tmp_path / "a")
    assert sales["checks"]["anomalies"] == {"metrics": ["volume", "null_rate:region", "sum:amount"]}
    sales, _, err = init(etlq, shop, tmp_path / "none.jsonl", tmp_path / "b")
    assert "anomalies" not in sales.get("checks", {}) and err == ""
    # shop.fresh was never recorded: no note about it (the earlier run said nothing of it either)
    _, _, err = init(etlq, shop, store, tmp_path / "c")
    assert err == "shop.sales: proposed checks.anomalies from 21 day(s) of history\n"


def test_without_history_option_nothing_is_proposed(shop: str, etlq: Any, tmp_path: Path) -> None:
    seed(tmp_path / "etlq-history.jsonl", "shop.sales", 30, weekly=False)  # the fixture's ETLQ_HISTORY
    code, _, err = etlq("contract", "init", "--url", shop, "--schema", "shop", "--out", str(tmp_path / "c"))
    sales = yaml.safe_load((tmp_path / "c" / "shop" / "sales.yml").read_text())
    assert (code, err) == (0, "") and "anomalies" not in sales.get("checks", {})
    _, _, err = init(etlq, shop, tmp_path / "etlq-history.jsonl", tmp_path / "d")
    assert "proposed checks.anomalies from 30 day(s)" in err
