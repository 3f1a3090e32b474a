"""``sum:<column>`` and ``mean:<column>`` anomalies: today's value from the table's one fused scan
(``sum(col)`` / ``avg(col)`` beside the row checks), judged against the history; a contract that
names a non-numeric column is one line naming file, line and fix."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from test_anomaly_check import RUN_DATE, run_check

from etlq import history
from fixtures.database import query

CONTRACT = """\
table: shop.sales
primary_key: [id]
columns:
  id: {type: bigint, nullable: false}
  region: {type: text}
  amount: {type: "numeric(12,2)", min: 0}
checks:
  anomalies:
    metrics: ["sum:amount", "mean:amount"]
    min_history: 14
"""


@pytest.fixture
def sales(fresh_database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """100 rows of amount 10.00 today: sum 1,000, mean 10."""
    query(
        fresh_database_url,
        "CREATE SCHEMA shop; CREATE TABLE shop.sales (id bigint NOT NULL, region text, amount numeric(12,2));"
        " INSERT INTO shop.sales SELECT g, 'eu', 10 FROM generate_series(1, 100) g",
    )
    (tmp_path / "contracts" / "shop").mkdir(parents=True)
    (tmp_path / "contracts" / "shop" / "sales.yml").write_text(CONTRACT)
    return fresh_database_url, tmp_path / "contracts"


def seed(path: Path, days: int, total: float) -> None:
    """``days`` days before RUN_DATE with a sum of about ``total`` and a mean of about 10 (+-5 %)."""
    rng, end = random.Random(3), dt.date.fromisoformat(RUN_DATE)
    records = []
    for back in range(days, 0, -1):
        day = (end - dt.timedelta(days=back)).isoformat()
        for metric, value in (("sum", total), ("mean", 10.0)):
            value *= rng.uniform(0.95, 1.05)
            records.append(
                {"table": "shop.sales", "run_date": day, "metric": metric, "column": "amount", "value": value}
            )
    history.open_store(str(path)).append(records)


def test_sum_drop_fails_mean_passes_from_the_fused_scan(
    sales: tuple[str, Path], etlq, tmp_path: Path
) -> None:
    url, contracts = sales
    store = tmp_path / "history.jsonl"
    seed(store, 28, 2000.0)  # usually twice today's sum: half the amounts are missing today
    code, checks = run_check(etlq, url, contracts, store)
    total, mean = checks["shop.sales::anomaly[sum:amount]"], checks["shop.sales::anomaly[mean:amount]"]
    assert (code, total["outcome"], mean["outcome"]) == (1, "failed", "passed")
    assert total["message"].startswith(f"sum[amount] on {RUN_DATE} is 1,000.0, outside the expected band ")
    assert "28 comparable of 28 days of history" in total["message"]
    # no extra pass: both are columns of the one fused statement the row checks run in
    fused = checks["shop.sales::range[amount]"]["sql"]
    assert total["sql"] == mean["sql"] == fused and fused.count("FROM") == 1
    assert 'sum("shop"."sales"."amount")' in fused or 'sum("amount")' in fused, fused
    opened = history.open_store(str(store))
    assert history.series(opened, "shop.sales", "sum", "amount")[-1] == (RUN_DATE, 1000.0)
    assert history.series(opened, "shop.sales", "mean", "amount")[-1] == (RUN_DATE, 10.0)
    assert history.series(opened, "shop.sales", "sum", "id")[-1] == (RUN_DATE, 5050.0)  # every numeric column
    assert history.series(opened, "shop.sales", "sum", "region") == []


def test_sum_within_its_usual_band_passes(sales: tuple[str, Path], etlq, tmp_path: Path) -> None:
    url, contracts = sales
    store = tmp_path / "history.jsonl"
    seed(store, 28, 1000.0)
    code, checks = run_check(etlq, url, contracts, store)
    assert code == 0 and checks["shop.sales::anomaly[sum:amount]"]["outcome"] == "passed"


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (
            "sum:region",
            "sales.yml:9: checks.anomalies.metrics: 'sum:region' needs a numeric column, but 'region' is text"
            " (fix: watch a numeric column ('sum:id'), or 'null_rate:region' for this one)",
        ),
        ("mean:regoin", "names column 'regoin', which is not in 'columns' (did you mean 'region'?)"),
        ("sum", "checks.anomalies.metrics: sum needs a column, e.g. 'sum:amount'"),
    ],
)
def test_non_numeric_column_is_one_line(tmp_path: Path, etlq, metric: str, message: str) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "sales.yml").write_text(
        CONTRACT.replace('["sum:amount", "mean:amount"]', f'["{metric}"]')
    )
    code, _, err = etlq("contract", "validate", "--contracts", str(tmp_path))
    assert code == 2 and err.count("\n") == 1, err
    assert message in err
