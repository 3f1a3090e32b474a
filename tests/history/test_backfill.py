"""``etlq history backfill``: past days' metrics from a table's partition column in ONE GROUP BY,
recorded once (a rerun adds nothing); and a partitioned table's live check measures the run
date's rows, so the backfilled past and today compare like with like."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from etlq import history
from fixtures.database import query

START = dt.date(2026, 10, 1)
CONTRACT = """\
table: shop.sales
primary_key: [id]
columns:
  id: {type: bigint, nullable: false}
  sold_on: {type: date, nullable: false}
  region: {type: text}
  amount: {type: "numeric(12,2)"}
checks:
  anomalies:
    metrics: [volume, "null_rate:region", "sum:amount"]
    min_history: 14
    partition: sold_on
"""


def rows_on(i: int) -> int:
    return 100 + 10 * (i % 5)  # 100..140 rows a day


@pytest.fixture
def sales(fresh_database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """45 days of sales from 2026-10-01: ``rows_on(i)`` rows on day i, every 10th without a
    region, each of amount 2.00."""
    days = ", ".join(f"({i}, {rows_on(i)})" for i in range(45))
    query(
        fresh_database_url,
        "CREATE SCHEMA shop; CREATE TABLE shop.sales (id bigserial, sold_on date NOT NULL, region text,"
        " amount numeric(12,2));"
        " INSERT INTO shop.sales (sold_on, region, amount)"
        f" SELECT DATE '{START}' + d.i, CASE WHEN g % 10 = 0 THEN NULL ELSE 'eu' END, 2"
        f" FROM (VALUES {days}) AS d(i, n), generate_series(1, d.n) g",
    )
    (tmp_path / "contracts" / "shop").mkdir(parents=True)
    (tmp_path / "contracts" / "shop" / "sales.yml").write_text(CONTRACT)
    return fresh_database_url, tmp_path / "contracts"


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement any engine sends while the test runs."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", listen)
    yield seen
    event.remove(Engine, "before_cursor_execute", listen)


def backfill(etlq: Any, url: str, contracts: Path, store: Path, start: str, end: str, *extra: str) -> Any:
    code, out, err = etlq(
        "history", "backfill", "--url", url, "--contracts", str(contracts), "--history", str(store),
        "--from", start, "--to", end, "--format", "json", *extra,
    )  # fmt: skip
    assert code == 0, err
    (table,) = json.loads(out)["tables"]
    return table


def test_one_group_by_per_table_and_the_days_exact(
    sales: tuple[str, Path], etlq: Any, tmp_path: Path, statements: list[str]
) -> None:
    url, contracts = sales
    store = tmp_path / "history.jsonl"
    done = backfill(etlq, url, contracts, store, "2026-10-01", "2026-11-09")  # 40 days
    assert (done["days_recorded"], done["days_already_recorded"]) == (40, 0)
    on_table = [s for s in statements if '"shop"."sales"' in s or "shop.sales" in s]
    assert len(on_table) == 1 and "GROUP BY" in on_table[0], on_table  # never a query per day
    opened = history.open_store(str(store))
    volume = history.series(opened, "shop.sales", "row_count")
    assert volume == [((START + dt.timedelta(days=i)).isoformat(), float(rows_on(i))) for i in range(40)]
    sums = dict(history.series(opened, "shop.sales", "sum", "amount"))
    assert sums["2026-10-03"] == 2.0 * rows_on(2)
    nulls = dict(history.series(opened, "shop.sales", "null_fraction", "region"))
    assert nulls["2026-10-01"] == 10 / 100
    assert history.series(opened, "shop.sales", "null_fraction", "sold_on")[0] == ("2026-10-01", 0.0)


def test_rerun_and_overlap_add_only_missing_days(sales: tuple[str, Path], etlq: Any, tmp_path: Path) -> None:
    url, contracts = sales
    store = tmp_path / "history.jsonl"
    backfill(etlq, url, contracts, store, "2026-10-01", "2026-11-09")
    lines = store.read_text().count("\n")
    again = backfill(etlq, url, contracts, store, "2026-10-01", "2026-11-09")
    assert (again["days_recorded"], again["days_already_recorded"], again["records"]) == (0, 40, 0)
    assert store.read_text().count("\n") == lines  # nothing duplicated
    # 2026-11-05..2026-11-20: five days are new (11-10..11-14), the table ends on 11-14
    overlap = backfill(etlq, url, contracts, store, "2026-11-05", "2026-11-20")
    assert (overlap["days_recorded"], overlap["days_already_recorded"]) == (5, 5)
    assert len(history.series(history.open_store(str(store)), "shop.sales", "row_count")) == 45


def test_partitioned_live_check_judges_the_run_dates_rows(
    sales: tuple[str, Path], etlq: Any, tmp_path: Path
) -> None:
    url, contracts = sales
    store = tmp_path / "history.jsonl"
    backfill(etlq, url, contracts, store, "2026-10-01", "2026-11-14")
    query(
        url,
        "INSERT INTO shop.sales (sold_on, region, amount)"
        " SELECT DATE '2026-11-15', 'eu', 2 FROM generate_series(1, 40)",
    )
    code, out, err = etlq(
        "check", "--url", url, "--contracts", str(contracts), "--history", str(store),
        "--run-date", "2026-11-15", "--format", "json",
    )  # fmt: skip
    checks = {c["id"]: c for c in json.loads(out)["checks"]}
    volume = checks["shop.sales::anomaly[volume]"]
    # today is 40 rows (not the table's 5,440): a third of usual, judged against 45 backfilled days
    assert (code, volume["outcome"]) == (1, "failed"), volume
    assert (
        volume["message"].startswith("volume on 2026-11-15 is 40.0, outside")
        and "of 45 days" in volume["message"]
    )
    assert checks["shop.sales::anomaly[null_rate:region]"]["outcome"] == "passed"  # 0 % NULL: a drop is fine
    opened = history.open_store(str(store))
    assert history.series(opened, "shop.sales", "row_count")[-1] == ("2026-11-15", 40.0)
    assert history.series(opened, "shop.sales", "sum", "amount")[-1] == ("2026-11-15", 80.0)


def test_without_a_partition_key_one_line_says_what_to_add(
    sales: tuple[str, Path], etlq: Any, tmp_path: Path
) -> None:
    url, contracts = sales
    path = contracts / "shop" / "sales.yml"
    path.write_text(CONTRACT.replace("    partition: sold_on\n", ""))
    for table in ((), ("--table", "shop.*")):
        code, out, err = etlq(
            "history", "backfill", "--url", url, "--contracts", str(contracts),
            "--history", str(tmp_path / "h.jsonl"), "--from", "2026-10-01", "--to", "2026-10-02", *table,
        )  # fmt: skip
        assert code == 2 and out == "" and err.count("\n") == 1, err
        assert "shop.sales: backfill needs the column holding each row's run date" in err
        assert "add `partition: <date column>` under checks.anomalies" in err
    assert not (tmp_path / "h.jsonl").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--from", "2026-10-05", "--to", "2026-10-01"), "--from 2026-10-05 is after --to 2026-10-01"),
        (("--from", "2026-13-01", "--to", "2026-10-01"), "--from '2026-13-01' is not a date"),
        (("--from", "2026-10-01", "--to", "2026-10-02", "--table", "gold.*"), "--table 'gold.*' matches no"),
    ],
)
def test_bad_arguments_are_one_line(
    sales: tuple[str, Path], etlq: Any, argv: tuple[str, ...], message: str
) -> None:
    url, contracts = sales
    code, _, err = etlq("history", "backfill", "--url", url, "--contracts", str(contracts), *argv)
    assert code == 2 and err.count("\n") == 1 and message in err, err


def test_partition_must_be_a_date_column(tmp_path: Path, etlq: Any) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "sales.yml").write_text(CONTRACT.replace("partition: sold_on", "partition: amount"))
    code, _, err = etlq("contract", "validate", "--contracts", str(tmp_path))
    assert code == 2 and err.count("\n") == 1, err
    assert "sales.yml:12: checks.anomalies.partition: 'amount' is numeric(12,2), not a run date" in err


@pytest.mark.parametrize(
    ("pg_type", "value"), [("text", "to_char({d}, 'YYYY-MM-DD')"), ("timestamptz", "{d} + time '13:30'")]
)
def test_text_and_timestamp_partitions(
    fresh_database_url: str, etlq: Any, tmp_path: Path, pg_type: str, value: str
) -> None:
    day = f"(DATE '{START}' + g % 3)"
    query(
        fresh_database_url,
        "CREATE SCHEMA shop;"
        f" CREATE TABLE shop.sales (id bigint, sold_on {pg_type}, region text, amount numeric);"
        f" INSERT INTO shop.sales SELECT g, {value.format(d=day)}, 'eu', 1 FROM generate_series(1, 30) g",
    )
    (tmp_path / "c" / "shop").mkdir(parents=True)
    (tmp_path / "c" / "shop" / "sales.yml").write_text(CONTRACT.replace("type: date,", f"type: {pg_type},"))
    store = tmp_path / "h.jsonl"
    done = backfill(etlq, fresh_database_url, tmp_path / "c", store, "2026-10-02", "2026-10-05")
    assert done["days_recorded"] == 2  # 10-02 and 10-03 (10-01 outside the range; no rows after)
    assert history.series(history.open_store(str(store)), "shop.sales", "row_count") == [
        ("2026-10-02", 10.0),
        ("2026-10-03", 10.0),
    ]
