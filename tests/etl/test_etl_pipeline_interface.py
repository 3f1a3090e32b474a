"""etl/ behind etlq's pipeline interface: found through its entry point, and every method
answering from the real ETL's run (not from etlq's own reading of the audit tables)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from etl_support import D1, DAY

from etlq.pipeline import Pipeline, PipelineFailed, find_pipeline, run_pipeline

DAY1 = dt.date.fromisoformat(D1)
BAD_DATE_ORDER = "9,10,PAID,1.00,EUR,2026-02-30,2026-11-19T09:00:00Z"


@pytest.fixture
def etl() -> Pipeline:
    found = find_pipeline()
    assert found.origin == "entry point 'etl'"
    assert isinstance(found.pipeline, Pipeline)
    return found.pipeline


def test_raw_prefix_is_where_the_etl_reads(etl: Pipeline, land: Any, db: str, raw_bucket: str) -> None:
    assert etl.raw_prefix("orders", DAY1) == "raw/orders/run_date=2026-11-20/"
    # land() writes where etl/ reads (tests/etl/conftest.py): the layout the interface names
    uri = land("orders", D1, DAY["orders"])
    assert uri == f"s3://{raw_bucket}/{etl.raw_prefix('orders', DAY1)}part-0.csv"


def test_run_job_runs_and_quarantine_through_the_interface(
    etl: Pipeline, land_day: Any, db: str, raw_bucket: str
) -> None:
    assert etl.loads(db) is False  # no audit trail yet
    assert etl.job_runs(db, DAY1) == []
    land_day(D1, orders=[*DAY["orders"], BAD_DATE_ORDER])
    jobs = run_pipeline(etl, db, DAY1, raw_bucket=raw_bucket, options={"glue_database": None})
    assert [(j["job"], j["status"]) for j in jobs] == [
        ("ingest", "succeeded"),
        ("silver", "succeeded"),
        ("quality_gate", "skipped"),
        ("gold", "succeeded"),
    ]
    assert etl.loads(db) is True
    runs = etl.job_runs(db, DAY1)
    assert [(r["job"], r["status"]) for r in runs] == [(j["job"], j["status"]) for j in jobs]
    assert runs[0]["rows_rejected"] == 1
    assert etl.job_runs(db, DAY1 + dt.timedelta(days=1)) == []
    assert etl.quarantined(db, DAY1) == {"orders": 1}
    [record] = etl.quarantined_records(db, DAY1)
    assert record["source"] == "orders"
    assert record["file"] == f"s3://{raw_bucket}/raw/orders/run_date={D1}/part-0.csv"
    assert record["line"] == len(DAY["orders"]) + 2  # header is line 1
    assert record["reason"] in etl.quarantine_rules()["unparseable"]


def test_failures_arrive_as_one_line_with_their_exit_code(etl: Pipeline, db: str) -> None:
    with pytest.raises(PipelineFailed) as caught:
        run_pipeline(etl, db, DAY1, raw_bucket="no-such-bucket", options={"glue_database": None})
    assert caught.value.exit_code == 2
    assert "no-such-bucket" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_transforms_are_the_real_jobs(etl: Pipeline, land_day: Any, db: str, raw_bucket: str) -> None:
    transforms = etl.transforms()
    assert sorted(transforms) == ["gold", "silver"]
    land_day(D1)
    run_pipeline(etl, db, DAY1, raw_bucket=raw_bucket, options={"glue_database": None})
    before = len(etl.job_runs(db, DAY1))
    transforms["silver"](db, DAY1)
    runs = etl.job_runs(db, DAY1)
    assert len(runs) == before + 1 and runs[-1]["job"] == "silver" and runs[-1]["status"] == "succeeded"


def test_lineage_names_the_columns_the_etl_adds(etl: Pipeline, db: str) -> None:
    from fixtures.database import query

    etl.prepare(db)
    lineage = etl.lineage(DAY1, "part-0.csv", 3)
    assert lineage["run_date"] == DAY1 and lineage["source_line"] == 3
    columns = "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s"
    staged = {c for (c,) in query(db, columns, ("staging", "orders"))}
    assert set(lineage) - {"run_id"} <= staged


def _imported(root: Path) -> dict[str, set[str]]:
    """Top-level package of every import, per file under ``root``."""
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = {node.module.split(".")[0]}
            else:
                continue
            found.setdefault(str(path.relative_to(root.parent)), set()).update(names)
    return found


def test_the_harness_reaches_the_etl_only_through_the_interface() -> None:
    repo = Path(__file__).parents[2]
    harness = {f for f, names in _imported(repo / "harness" / "etlq").items() if "etl" in names}
    assert harness == set(), "harness modules importing etl/ (use etlq.pipeline)"
    etl = {f for f, names in _imported(repo / "etl").items() if "etlq" in names}
    assert etl == set(), "etl/ modules importing etlq (the ETL keeps no dependency on its tests)"


def test_statements_name_the_sql_the_etl_runs(etl: Pipeline) -> None:
    from etl import db as etl_db

    named = etl.statements()
    stages = {name.split(".", 1)[0] for name in named}
    assert stages == {"ingest", *etl.transforms()}
    assert named["silver.upsert_fx_rates"] == etl_db.statements("silver.sql")["upsert_fx_rates"]
    assert {"ingest.typing_orders", "ingest.typing_customers", "ingest.typing_fx_rates"} <= set(named)
    assert "%(run_date)s" in named["ingest.typing_orders"]


def test_replaced_statements_run_in_place_of_the_files(
    etl: Pipeline, land_day: Any, db: str, raw_bucket: str
) -> None:
    from fixtures.database import query

    sql_file = Path(__file__).parents[2] / "etl" / "sql" / "silver.sql"
    before = sql_file.read_text(encoding="utf-8")
    land_day(D1)
    # fx rates never reach silver: the replacement ran, not the file's statement
    noop = {"silver.upsert_fx_rates": "SELECT 1 WHERE false"}
    jobs = run_pipeline(etl, db, DAY1, raw_bucket=raw_bucket, options={"glue_database": None, "sql": noop})
    assert [j["status"] for j in jobs] == ["succeeded", "succeeded", "skipped", "succeeded"]
    assert query(db, "SELECT count(*) FROM silver.fx_rates") == [(0,)]
    assert query(db, "SELECT count(*) FROM staging.fx_rates")[0][0] > 0
    assert sql_file.read_text(encoding="utf-8") == before
    # the next call without the option runs the file's statement again
    etl.transforms()["silver"](db, DAY1)
    assert query(db, "SELECT count(*) FROM silver.fx_rates")[0][0] > 0


def test_an_unknown_replaced_statement_is_refused(etl: Pipeline, db: str) -> None:
    with pytest.raises(PipelineFailed, match="unknown statement.*silver.no_such"):
        run_pipeline(etl, db, DAY1, raw_bucket="unused", options={"sql": {"silver.no_such": "SELECT 1"}})
