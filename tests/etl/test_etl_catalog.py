"""Gold tables in the Glue Data Catalog (moto server), typed from the live PostgreSQL columns."""

from __future__ import annotations

import uuid

import boto3
from etl_support import D1, query

from etl.catalog import glue_type


def test_gold_tables_are_registered_with_their_columns_and_location(db, land_day, run_etl):
    database = f"etlq_{uuid.uuid4().hex[:8]}"
    land_day(D1)
    first = run_etl(D1, glue_database=database)[-1]
    glue = boto3.client("glue")
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=database)["TableList"]}
    dbname = query(db, "SELECT current_database()")[0][0]

    assert sorted(tables) == ["gold_daily_revenue", "gold_dim_customers", "gold_dim_fx", "gold_fact_orders"]
    fact = tables["gold_fact_orders"]
    assert fact["StorageDescriptor"]["Location"] == f"{dbname}.gold.fact_orders"
    assert fact["Parameters"]["classification"] == "postgresql"
    assert [(c["Name"], c["Type"]) for c in fact["StorageDescriptor"]["Columns"]] == [
        ("order_id", "bigint"),
        ("customer_id", "bigint"),
        ("status", "string"),
        ("order_date", "date"),
        ("currency", "char(3)"),
        ("amount", "decimal(18,2)"),
        ("fx_rate", "decimal(18,8)"),
        ("amount_usd", "decimal(18,2)"),
        ("last_event_ts", "timestamp"),
    ]
    assert sorted(first.details["glue_tables_written"]) == sorted(tables)

    again = run_etl(D1, glue_database=database)[-1]
    assert again.details["glue_tables_written"] == []
    assert (
        len(glue.get_table_versions(DatabaseName=database, TableName="gold_fact_orders")["TableVersions"])
        == 1
    )


def test_glue_types_follow_format_type_spellings():
    assert [
        glue_type(t) for t in ("integer", "character varying(254)", "numeric(18,8)", "boolean", "jsonb")
    ] == [
        "int",
        "varchar(254)",
        "decimal(18,8)",
        "boolean",
        "string",
    ]
