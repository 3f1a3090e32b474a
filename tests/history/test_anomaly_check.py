"""``checks.anomalies`` end to end: ``etlq check`` records the table's metrics from its one fused
scan into the history, judges today's volume / null rate / freshness lag against the past days,
and says value, band and days of history when one fails; ``etlq history show`` reads it back."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
import sqlalchemy as sa

from etlq import history
from etlq.checks.plan import plan_checks
from etlq.contracts import load_contracts

RUN_DATE = "2026-11-30"
CONTRACT = """\
table: shop.events
primary_key: [id]
columns:
  id: {type: bigint, nullable: false}
  email: {type: text}
  loaded_at: {type: timestamp with time zone}
checks:
  freshness: {column: loaded_at, max_age: 1d}
  anomalies:
    metrics: [volume, "null_rate:email", freshness]
    min_history: 14
    direction: both
"""


@pytest.fixture
def events(fresh_database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """100 rows today, 10 of them without email, loaded 2 hours ago; the contract beside."""
    engine = sa.create_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA shop"))
        conn.execute(
            sa.text("CREATE TABLE shop.events (id bigint NOT NULL, email text, loaded_at timestamptz)")
        )
        conn.execute(
            sa.text(
                "INSERT INTO shop.events SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'a@x' END,"
                " now() - interval '2 hours' FROM generate_series(1, 100) g"
            )
        )
    engine.dispose()
    contracts = tmp_path / "contracts"
    (contracts / "shop").mkdir(parents=True)
    (contracts / "shop" / "events.yml").write_text(CONTRACT)
    return fresh_database_url, contracts


def seed_history(path: Path | str, days: int) -> None:
    """``days`` past days before RUN_DATE: about 1000 rows, 10 % NULL email, 2 h lag (+-5 %)."""
    rng, end = random.Random(7), dt.date.fromisoformat(RUN_DATE)
    records = []
    for back in range(days, 0, -1):
        day = (end - dt.timedelta(days=back)).isoformat()
        for metric, column, value in (
            ("row_count", None, 1000),
            ("null_fraction", "email", 0.1),
            ("freshness_lag_seconds", "loaded_at", 7200),
        ):
            record = {
                "table": "shop.events",
                "run_date": day,
                "metric": metric,
                "value": value * rng.uniform(0.95, 1.05),
            }
            records.append(record | ({"column": column} if column else {}))
    history.open_store(str(path)).append(records)


def run_check(etlq, url: str, contracts: Path, store: Path | str, *extra: str) -> tuple[int, dict]:
    code, out, err = etlq(
        "check", "--url", url, "--contracts", str(contracts), "--history", str(store),
        "--run-date", RUN_DATE, "--format", "json", *extra,
    )  # fmt: skip
    assert err == ""
    return code, {c["id"]: c for c in json.loads(out)["checks"]}


def test_ids_like_every_other_kind(events: tuple[str, Path]) -> None:
    ids = [s.id for s in plan_checks(load_contracts(events[1]))]
    assert [i for i in ids if "anomaly" in i] == [
        "shop.events::anomaly[volume]",
        "shop.events::anomaly[null_rate:email]",
        "shop.events::anomaly[freshness]",
    ]


def test_volume_drop_fails_with_value_band_and_days(events: tuple[str, Path], etlq, tmp_path: Path) -> None:
    url, contracts = events
    store = tmp_path / "history.jsonl"
    seed_history(store, 28)
    code, checks = run_check(etlq, url, contracts, store)
    volume = checks["shop.events::anomaly[volume]"]
    assert (code, volume["outcome"], volume["failing"]) == (1, "failed", 1)
    message = volume["message"]
    assert message.startswith(f"volume on {RUN_DATE} is 100.0, outside the expected band ")
    low, high = (float(x.replace(",", "")) for x in message.split("band ")[1].split(" ")[0].split(".."))
    assert 700 < low < 1000 < high < 1300
    assert "28 comparable of 28 days of history" in message
    assert checks["shop.events::anomaly[null_rate:email]"]["outcome"] == "passed"
    assert checks["shop.events::anomaly[freshness]"]["outcome"] == "passed"
    # no extra scan: the anomaly checks' SQL is the table's one fused statement, metrics included
    fused = checks["shop.events::row_count"]["sql"] if "shop.events::row_count" in checks else volume["sql"]
    assert {c["sql"] for i, c in checks.items() if "anomaly" in i or "freshness" in i} == {fused}
    assert fused.count('FROM "shop"."events"') == 1 and '"email" IS NULL' in fused


def test_the_run_is_recorded_and_reads_back(events: tuple[str, Path], etlq, tmp_path: Path) -> None:
    url, contracts = events
    store = tmp_path / "history.jsonl"
    seed_history(store, 3)
    run_check(etlq, url, contracts, store)
    opened = history.open_store(str(store))
    assert history.series(opened, "shop.events", "row_count")[-1] == (RUN_DATE, 100.0)
    assert history.series(opened, "shop.events", "null_fraction", "email")[-1] == (RUN_DATE, 0.1)
    day, lag = history.series(opened, "shop.events", "freshness_lag_seconds", "loaded_at")[-1]
    assert day == RUN_DATE and 7200 <= lag < 7200 + 120
    outcomes = {
        r["check"]: (r["outcome"], r["value"])
        for r in opened.records()
        if r["run_date"] == RUN_DATE and "check" in r
    }
    assert outcomes["shop.events::freshness[loaded_at]"] == ("passed", 0.0)
    assert outcomes["shop.events::anomaly[volume]"] == ("not_evaluated", 0.0)
    code, out, _ = etlq(
        "history",
        "show",
        "--history",
        str(store),
        "--table",
        "shop.events",
        "--metric",
        "row_count",
        "--format",
        "json",
    )
    shown = json.loads(out)["series"]
    assert code == 0 and len(shown) == 1 and shown[0]["points"][-1] == [RUN_DATE, 100.0]
    assert len(shown[0]["points"]) == 4
    code, _, err = etlq("history", "show", "--history", str(store), "--table", "shop.nothing")
    assert code == 2 and err.count("\n") == 1 and "no history for shop.nothing" in err


def test_too_little_history_is_not_evaluated_with_reason(
    events: tuple[str, Path], etlq, tmp_path: Path
) -> None:
    url, contracts = events
    store = tmp_path / "history.jsonl"
    seed_history(store, 5)
    before = store.read_text()
    code, checks = run_check(etlq, url, contracts, store, "--no-record")
    volume = checks["shop.events::anomaly[volume]"]
    assert (code, volume["outcome"]) == (0, "not_evaluated")
    assert volume["message"] == "not enough history: 5 day(s) of history, 14 needed"
    assert store.read_text() == before  # --no-record: nothing written


@pytest.mark.parametrize(
    ("anomalies", "message"),
    [
        ("{metrics: [volume], sensitivity: 0}", "'sensitivity' in checks.anomalies must be > 0"),
        (
            "{metrics: [volume], direction: down}",
            "'direction' in checks.anomalies must be one of both, drop, spike",
        ),
        ("{metrics: [volume], min_history: 1}", "'min_history' in checks.anomalies must be at least 3 days"),
        (
            "{metrics: [volume], seasonality: [yearly]}",
            "'seasonality' in checks.anomalies must be a list of weekly",
        ),
        (
            "{metrics: [rows]}",
            "checks.anomalies.metrics: 'rows' is not volume, freshness, null_rate:<column>,"
            " sum:<column> or mean:<column>",
        ),
        (
            "{metrics: ['null_rate:emial']}",
            "names column 'emial', which is not in 'columns' (did you mean 'email'?)",
        ),
        ("{metrics: [volume], window: 3}", "unknown key 'window' in checks.anomalies"),
        ("{sensitivity: 3}", "checks.anomalies needs 'metrics'"),
    ],
)
def test_bad_options_are_refused_in_one_line(tmp_path: Path, etlq, anomalies: str, message: str) -> None:
    text = CONTRACT.split("  anomalies:")[0] + f"  anomalies: {anomalies}\n"
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "events.yml").write_text(text)
    code, _, err = etlq("contract", "validate", "--contracts", str(tmp_path))
    assert code == 2 and err.count("\n") == 1, err
    assert "events.yml:9: " in err and message in err
