"""The Great Expectations gate between silver and gold."""

from __future__ import annotations

import json
import re

import pytest
from etl_support import D1, D2, NEW_ORDER, checksums, query

from etl.errors import QualityGateFailed
from etl.jobs.entry import main


def suite(table: str, *expectations: dict) -> dict:
    return {"name": f"{table} gate", "meta": {"table": table}, "expectations": list(expectations)}


def expect(kind: str, severity: str | None = None, **kwargs) -> dict:
    return {"type": kind, "kwargs": kwargs, "meta": {"severity": severity} if severity else {}}


AMOUNT_AT_MOST_15 = expect("expect_column_values_to_be_between", column="amount", min_value=0, max_value=15)
PASSING = [
    suite(
        "silver.orders",
        expect("expect_column_values_to_not_be_null", column="order_id"),
        expect("expect_column_values_to_be_in_set", "warn", column="currency", value_set=["EUR"]),
    ),
    suite("gold.fact_orders", expect("expect_table_row_count_to_equal", value=0)),  # gold: not gated
]


def stored_results(s3, bucket: str, table: str) -> list[dict]:
    keys = [
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"quality/{table}/").get("Contents", [])
    ]
    assert all(re.fullmatch(rf"quality/{re.escape(table)}/\d{{8}}T\d{{12}}Z\.json", k) for k in keys), keys
    return [json.loads(s3.get_object(Bucket=bucket, Key=k)["Body"].read()) for k in sorted(keys)]


def gold_job(db: str, raw_bucket: str, *args: str) -> int:
    """The gold Glue job for D1 on the test database and bucket; returns its exit code."""
    argv = [
        "gold.py",
        "--JOB_NAME",
        "gold",
        "--run_date",
        D1,
        "--database_url",
        db,
        "--raw_bucket",
        raw_bucket,
    ]
    return main("gold", [*argv, *args])


def test_error_failure_stops_before_gold_and_leaves_gold_untouched(db, raw_bucket, s3, land_day, run_etl):
    land_day(D1)
    land_day(D2, orders=(NEW_ORDER,))
    run_etl(D1)
    before = checksums(db)

    with pytest.raises(QualityGateFailed) as caught:
        run_etl(D2, expectations=[*PASSING, suite("silver.order_events", AMOUNT_AT_MOST_15)])
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith(
        "quality gate failed before gold (1 error expectation(s)): "
        "silver.order_events::expect_column_values_to_be_between(amount): 1 unexpected; "
    )
    assert [r.job for r in caught.value.results] == ["ingest", "silver"]
    assert checksums(db) == before
    assert query(db, "SELECT job, status FROM audit.job_runs WHERE run_date = %s ORDER BY run_id", (D2,)) == [
        ("ingest", "succeeded"),
        ("silver", "succeeded"),
        ("quality_gate", "failed"),
    ]

    [failed] = stored_results(s3, raw_bucket, "silver.order_events")
    assert (failed["success"], failed["etlq"]["gate"], failed["etlq"]["run_date"]) == (False, "failed", D2)
    assert failed["results"][0]["result"]["unexpected_count"] == 1
    [passed] = stored_results(s3, raw_bucket, "silver.orders")
    assert passed["etlq"]["warn_failures"] == [
        "silver.orders::expect_column_values_to_be_in_set(currency): 3 unexpected"
    ]
    assert stored_results(s3, raw_bucket, "gold.fact_orders") == []


def test_warn_failures_do_not_stop_the_pipeline(db, raw_bucket, land_day, run_etl):
    land_day(D1)
    results = run_etl(D1, expectations=PASSING)
    gate = results[2]
    assert (gate.job, gate.status, gate.rows_in, gate.rows_out, gate.rows_rejected) == (
        "quality_gate",
        "succeeded",
        2,
        1,
        1,
    )
    assert gate.details["not_gated"] == ["gold.fact_orders"]
    assert gate.details["warn_failures"] == [
        "silver.orders::expect_column_values_to_be_in_set(currency): 2 unexpected"
    ]
    assert query(db, "SELECT count(*) FROM gold.fact_orders") == [(3,)]


def test_no_suites_skips_the_gate_and_records_it(db, land_day, run_etl):
    land_day(D1)
    run_etl(D1)
    assert query(db, "SELECT status, details->>'skipped' FROM audit.job_runs WHERE job = 'quality_gate'") == [
        ("skipped", "no expectation suites given")
    ]


def test_gold_job_with_suites_in_s3_exits_1_with_one_line(db, raw_bucket, s3, land_day, run_etl, capsys):
    land_day(D1)
    run_etl(D1)
    bad = suite("silver.order_events", AMOUNT_AT_MOST_15)
    s3.put_object(Bucket=raw_bucket, Key="suites/silver.order_events.json", Body=json.dumps(bad).encode())
    code = gold_job(db, raw_bucket, "--expectations", f"s3://{raw_bucket}/suites/")
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("etl gold: error: quality gate failed before gold (1 error expectation(s)): ")


def test_an_expectations_location_without_suites_is_an_input_error(db, raw_bucket, land_day, run_etl, capsys):
    # Regression: a prefix holding no suite (a typo) skipped the gate silently and gold loaded unchecked.
    land_day(D1)
    run_etl(D1)
    before = query(db, "SELECT count(*) FROM audit.job_runs")
    code = gold_job(db, raw_bucket, "--expectations", f"s3://{raw_bucket}/suitez/")
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"etl gold: error: no expectation suites (*.json) at s3://{raw_bucket}/suitez/ (fix: upload the GX "
        "suites there (etlq export gx); or pass --expectations with the location that holds them)\n"
    )
    assert query(db, "SELECT count(*) FROM audit.job_runs") == before  # no job ran
