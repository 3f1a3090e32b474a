"""Every command that reads a warehouse works under the role the README recommends (SELECT and
USAGE only), and under it nothing can write even where etlq's own walls are bypassed."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from etl_support import D1
from sqlalchemy.engine import make_url

from fixtures.cli import Etlq
from fixtures.database import query

CONTRACTS = str(Path(__file__).parents[2] / "testdata" / "contracts")
SCHEMAS = "staging, silver, gold, audit"


@pytest.fixture
def reader_url(db: str, land_day: Any, run_etl: Any) -> Any:
    """The ETL's database after one clean day, and a URL for a new role with the README's grants."""
    land_day(D1)
    run_etl(D1)
    role = f"qa_reader_{uuid.uuid4().hex[:8]}"
    query(
        db,
        f"CREATE ROLE {role} LOGIN PASSWORD 'reader-pw'; GRANT USAGE ON SCHEMA {SCHEMAS} TO {role};"
        f" GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMAS} TO {role};",
    )
    yield make_url(db).set(username=role, password="reader-pw").render_as_string(hide_password=False)
    query(db, f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_check_runs_every_check_under_a_select_only_role(reader_url: str, etlq: Etlq) -> None:
    for engine in ("sql", "gx"):
        code, out, err = etlq(
            "check", "--url", reader_url, "--contracts", CONTRACTS, "--engine", engine, "--format", "json"
        )
        report = json.loads(out)
        errors = [c["id"] for c in report["checks"] if c["outcome"] == "error"]
        assert code in (0, 1), err
        assert report["summary"]["total"] > 100 and report["summary"]["passed"] > 50, engine
        assert errors == [], engine


def test_drift_and_contract_init_run_under_a_select_only_role(
    reader_url: str, etlq: Etlq, tmp_path: Path
) -> None:
    code, out, err = etlq("drift", "--url", reader_url, "--contracts", CONTRACTS, "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["tables"]) > 10
    code, out, err = etlq("contract", "init", "--url", reader_url, "--schema", "gold", "--out", str(tmp_path))
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "gold").glob("*.yml")) == [
        "daily_revenue.yml",
        "dim_customers.yml",
        "dim_fx.yml",
        "fact_orders.yml",
    ]


def test_the_role_itself_cannot_write(reader_url: str) -> None:
    """The second wall: even a session that switches to READ WRITE cannot change a table."""
    conn = psycopg2.connect(reader_url.replace("postgresql+psycopg2://", "postgresql://", 1))
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("DELETE FROM gold.fact_orders")
    finally:
        conn.close()
