"""Register gold tables in the Glue Data Catalog, with column types read from PostgreSQL.

Tables are named ``<schema>_<table>`` (``gold_fact_orders``) and, as a Glue JDBC crawler
would, carry the JDBC table name ``<dbname>.<schema>.<table>`` as Location. A table is
written only when its definition differs, so reruns add no table versions.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from etl import aws
from etl.errors import EtlInputError

_PLAIN = {
    "bigint": "bigint",
    "integer": "int",
    "smallint": "smallint",
    "boolean": "boolean",
    "text": "string",
    "date": "date",
    "double precision": "double",
    "real": "float",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
}
_MODIFIED = re.compile(r"^(numeric|character varying|character)\((\d+(?:,\d+)?)\)$")
_MODIFIED_GLUE = {"numeric": "decimal", "character varying": "varchar", "character": "char"}


def glue_type(pg_type: str) -> str:
    """``numeric(18,2)`` -> ``decimal(18,2)``; types Glue cannot express become ``string``."""
    if pg_type in _PLAIN:
        return _PLAIN[pg_type]
    match = _MODIFIED.match(pg_type)
    if match:
        return f"{_MODIFIED_GLUE[match.group(1)]}({match.group(2)})"
    return "string"


def table_columns(cur: Any, schema: str, table: str) -> list[tuple[str, str]]:
    """(column, ``format_type()`` spelling) in table order."""
    cur.execute(
        """SELECT a.attname, format_type(a.atttypid, a.atttypmod)
           FROM pg_attribute a
           WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
           ORDER BY a.attnum""",
        (f"{schema}.{table}",),
    )
    return [(str(name), str(pg_type)) for name, pg_type in cur.fetchall()]


def _table_input(
    name: str, location: str, columns: list[tuple[str, str]], schema: str, table: str
) -> dict[str, Any]:
    return {
        "Name": name,
        "Description": f"PostgreSQL table {schema}.{table}, loaded by the etlq gold job.",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "classification": "postgresql",
            "typeOfData": "table",
            "etlq_schema": schema,
            "etlq_table": table,
        },
        "StorageDescriptor": {
            "Columns": [{"Name": c, "Type": glue_type(t), "Comment": t} for c, t in columns],
            "Location": location,
        },
    }


def _same(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    storage = existing.get("StorageDescriptor", {})
    return (
        storage.get("Columns") == wanted["StorageDescriptor"]["Columns"]
        and storage.get("Location") == wanted["StorageDescriptor"]["Location"]
        and existing.get("Parameters") == wanted["Parameters"]
    )


def register_tables(glue: Any, cur: Any, database: str, schema: str, tables: tuple[str, ...]) -> list[str]:
    """Create or update the Glue tables of ``schema.<tables>``; returns the Glue names written."""
    cur.execute("SELECT current_database()")
    dbname = cur.fetchone()[0]
    written: list[str] = []
    with aws.aws_errors(f"register tables in Glue database {database!r}"):
        try:
            _ensure_database(glue, database)
            for table in tables:
                name = f"{schema}_{table}"
                columns = table_columns(cur, schema, table)
                wanted = _table_input(name, f"{dbname}.{schema}.{table}", columns, schema, table)
                existing = _existing_table(glue, database, name)
                if existing is None:
                    glue.create_table(DatabaseName=database, TableInput=wanted)
                elif not _same(existing, wanted):
                    glue.update_table(DatabaseName=database, TableInput=wanted)
                else:
                    continue
                written.append(name)
        except ClientError as exc:
            raise EtlInputError(
                f"cannot register gold tables in Glue database {database!r}: {exc} ({aws.where()})",
                "grant the job role glue:CreateDatabase/GetTable/CreateTable/UpdateTable",
            ) from None
    return written


def _ensure_database(glue: Any, database: str) -> None:
    try:
        glue.create_database(DatabaseInput={"Name": database, "Description": "etlq ETL tables (PostgreSQL)"})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "AlreadyExistsException":
            raise


def _existing_table(glue: Any, database: str, name: str) -> dict[str, Any] | None:
    try:
        return dict(glue.get_table(DatabaseName=database, Name=name)["Table"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "EntityNotFoundException":
            return None
        raise
