"""Golden cases against PostgreSQL: load a case's input CSVs, read expected and actual rows typed.

Expected cells are typed by PostgreSQL itself (inserted into a temp table shaped like the real
one), so ``2024-01-01T10:00:00Z`` and ``2024-01-01 11:00:00+01`` compare equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, column, create_engine, false, insert, select, table, text
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.ddl import CreateTableAs

from etlq.connect import parse_url
from etlq.golden.cases import GoldenCase, TableDiff, diff_rows, read_csv, table_of
from etlq.pipeline import Pipeline


def _split(qualified: str) -> tuple[str, str]:
    schema, _, name = qualified.partition(".")
    return schema, name


def _columns(conn: Connection, qualified: str) -> list[str]:
    schema, name = _split(qualified)
    rows = conn.execute(
        text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t "
            "ORDER BY ordinal_position"
        ),
        {"s": schema, "t": name},
    )
    found = [r[0] for r in rows]
    if not found:
        raise LookupError(f"table {qualified} does not exist (is the ETL's DDL applied?)")
    return found


def _read_table_csv(
    conn: Connection, path: Path
) -> tuple[str, list[str], list[str], list[dict[str, str | None]]]:
    """``<schema>.<table>.csv``: its table, the table's columns, the file's header and rows;
    a header column the table does not have is a ``LookupError``."""
    qualified = table_of(path)
    existing = _columns(conn, qualified)
    header, rows = read_csv(path)
    unknown = [c for c in header if c not in existing]
    if unknown:
        raise LookupError(f"{path}: column(s) {', '.join(unknown)} not in {qualified}")
    return qualified, existing, header, rows


def load_inputs(conn: Connection, case: GoldenCase, pipeline: Pipeline) -> dict[str, int]:
    """Insert every ``input/<schema>.<table>.csv`` of ``case``; returns rows per table. The
    pipeline's lineage columns a file leaves out get the pipeline's ``lineage`` values."""
    loaded = {}
    for path in case.inputs:
        qualified, existing, header, rows = _read_table_csv(conn, path)
        extra = [c for c in pipeline.lineage(case.run_date, "", 0) if c in existing and c not in header]
        schema, name = _split(qualified)
        target = table(name, *(column(c) for c in header + extra), schema=schema)
        values: list[dict[str, Any]] = []
        for i, row in enumerate(rows, start=1):
            defaults = pipeline.lineage(case.run_date, path.name, i)
            values.append(row | {c: defaults[c] for c in extra})
        if values:
            conn.execute(insert(target), values)
        loaded[qualified] = len(values)
    return loaded


def typed_expected(
    conn: Connection, qualified: str, header: Sequence[str], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The expected CSV rows as PostgreSQL types of ``qualified``'s columns."""
    schema, name = _split(qualified)
    real = table(name, *(column(c) for c in header), schema=schema)
    temp = table(f"expected_{schema}_{name}", *(column(c) for c in header))  # one per table, per connection
    shape = select(*(real.c[c] for c in header)).where(false())  # the real columns' types, no rows
    conn.execute(CreateTableAs(shape, temp.name, temporary=True))
    if rows:
        conn.execute(insert(temp), rows)
    return [dict(r._mapping) for r in conn.execute(select(*(temp.c[c] for c in header)))]


def actual_rows(conn: Connection, qualified: str, header: Sequence[str]) -> list[dict[str, Any]]:
    schema, name = _split(qualified)
    t = table(name, *(column(c) for c in header), schema=schema)
    return [dict(r._mapping) for r in conn.execute(select(*(t.c[c] for c in header)))]


def compare_case(conn: Connection, case: GoldenCase) -> list[TableDiff]:
    """One diff per expected table (equal or not), in file order."""
    diffs = []
    for path in case.expected:
        qualified, _, header, rows = _read_table_csv(conn, path)
        expected = typed_expected(conn, qualified, header, rows)
        actual = actual_rows(conn, qualified, header)
        diffs.append(diff_rows(qualified, case.key_of(qualified, header), expected, actual, case.tolerance))
    return diffs


def run_case(
    database_url: str, case: GoldenCase, pipeline: Pipeline, options: Mapping[str, Any] | None = None
) -> list[TableDiff]:
    """Into the empty database at ``database_url``: the pipeline's DDL, the inputs, the case's
    transform (one of the pipeline's ``transforms``, given ``options``); then diff."""
    transforms = pipeline.transforms(options)
    if case.transform not in transforms:
        raise LookupError(
            f"{case.path}: unknown transform {case.transform!r} of pipeline {pipeline.name!r}; "
            f"known: {', '.join(transforms)}"
        )
    pipeline.prepare(database_url)
    engine = create_engine(parse_url(database_url), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            load_inputs(conn, case, pipeline)
        transforms[case.transform](database_url, case.run_date)
        with engine.connect() as conn:
            return compare_case(conn, case)
    finally:
        engine.dispose()
