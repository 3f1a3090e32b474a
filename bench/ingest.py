"""The ETL's ingest job vs the limits and the usual alternative, on the same S3 object.

Ingest streams the raw orders CSV from S3, splits its records in Python and COPYs them as
text into a landing table, then types and validates them in SQL (typed rows into staging, the
rest into audit.quarantine with their reason) and commits once, with its audit row.

- raw COPY: the object's lines, untouched, into a one-column text table: the least work that
  lands those bytes in PostgreSQL (the issue's limit).
- typed COPY: a clean file of as many rows (no planted defects: COPY cannot skip a ragged row)
  straight into a copy of ``staging.orders`` (same types, same primary key; lineage from column
  defaults) with PostgreSQL 17's ``ON_ERROR ignore``: the floor of landing typed rows in that
  table, with none of the ETL's checks and no reason kept for a skipped row. Skipped on
  servers before 17.
- pandas: ``read_csv`` of the object, then ``to_sql`` in chunks with ``method="multi"``: what a
  hand-rolled loader does; no checks, no quarantine. Timed in the first round only.
"""

from __future__ import annotations

import pandas as pd

from bench.results import Run
from bench.timing import median, timed
from bench.workspace import RUN_DATE, Workspace, ingest_orders, land_raw, server_version, workspace
from etl import aws, db
from etl.runner import JobResult
from etl.sources import ORDERS
from etlq.local import LocalServices

DEFECTS = 0.01  # planted defects per clean row, so the quarantine path runs as in production
LINES_TABLE = "public.raw_orders_lines"
TYPED_TABLE = "public.typed_orders"  # staging.orders' columns, types and key (see _prepare)
TO_SQL_TABLE = "orders_to_sql"
TO_SQL_CHUNK = 1000
# One field per line: delimiter and quote are control characters no raw file contains.
COPY_SQL = (
    f"COPY {LINES_TABLE} (line) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
)
RESET_SQL = f"TRUNCATE staging.orders, audit.quarantine, {LINES_TABLE}"
TYPED_RESET_SQL = f"TRUNCATE {TYPED_TABLE}; SELECT setval('public.typed_orders_line', 1, false)"
READ_BYTES = 1 << 20  # the chunk size ingest reads S3 with
INGEST_GOAL, TO_SQL_GOAL = 2.0, 10.0


def raw_copy(space: Workspace, file: aws.RawFile) -> int:
    """COPY the object's lines into the text table, in one transaction; returns the rows copied."""
    conn = db.connect(space.url)
    try:
        with conn, conn.cursor() as cur:
            body = space.s3.get_object(Bucket=file.bucket, Key=file.key)["Body"]
            cur.copy_expert(COPY_SQL, body, size=READ_BYTES)
            return int(cur.rowcount)
    finally:
        conn.close()


def typed_copy(space: Workspace, file: aws.RawFile, columns: str) -> int:
    """COPY the object into the typed table, skipping rows whose values do not parse."""
    conn = db.connect(space.url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(TYPED_RESET_SQL)
            body = space.s3.get_object(Bucket=file.bucket, Key=file.key)["Body"]
            sql = (
                f"COPY {TYPED_TABLE} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER MATCH, ON_ERROR ignore)"
            )
            cur.copy_expert(sql, body, size=READ_BYTES)
            return int(cur.rowcount)
    finally:
        conn.close()


def pandas_to_sql(space: Workspace, file: aws.RawFile) -> int:
    """read_csv of the object and to_sql in chunks of multi-row INSERTs, replacing the table."""
    body = space.s3.get_object(Bucket=file.bucket, Key=file.key)["Body"]
    frame = pd.read_csv(body, dtype=str, keep_default_na=False, on_bad_lines="skip")
    frame.to_sql(
        TO_SQL_TABLE, space.engine, if_exists="replace", index=False, chunksize=TO_SQL_CHUNK, method="multi"
    )
    return len(frame)


def _prepare(space: Workspace, file: aws.RawFile) -> bool:
    """The ETL's tables, the text table and (PostgreSQL 17+) the typed table; True if typed exists."""
    conn = db.connect(space.url)
    try:
        db.ensure_schema(conn)
        with conn, conn.cursor() as cur:
            cur.execute(f"CREATE TABLE {LINES_TABLE} (line text)")
            cur.execute("SHOW server_version_num")
            if int(cur.fetchone()[0]) < 170000:
                return False
            cur.execute("CREATE SEQUENCE public.typed_orders_line")
            cur.execute(
                f"CREATE TABLE {TYPED_TABLE} (LIKE staging.orders INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                " INCLUDING INDEXES)"
            )
            cur.execute(
                f"ALTER TABLE {TYPED_TABLE} ALTER run_date SET DEFAULT %s, ALTER source_file SET DEFAULT %s,"
                " ALTER source_line SET DEFAULT nextval('public.typed_orders_line')",
                (RUN_DATE, file.uri),
            )
            return True
    finally:
        conn.close()


def _reset(space: Workspace) -> None:
    # every timed run starts from empty tables, so no run pays for deleting the previous one's rows
    with space.engine.begin() as conn:
        conn.exec_driver_sql(RESET_SQL)


def measure(services: LocalServices, rows: int, repeat: int) -> Run:
    """Median seconds of ingest and of the raw COPY over ``repeat`` interleaved rounds."""
    with workspace(services, "ingest") as space:
        file = land_raw(space, rows, DEFECTS)
        clean = land_raw(space, rows, 0.0, bucket=f"{space.bucket}-clean")
        has_typed = _prepare(space, clean)
        columns = ", ".join(ORDERS.columns)
        ingests: list[tuple[float, JobResult]] = []
        copies: list[tuple[float, int]] = []
        typed: list[tuple[float, int]] = []
        to_sql: list[tuple[float, int]] = []
        for _ in range(repeat):  # interleaved, so a burst of load on the machine hits all alike
            _reset(space)
            ingests.append(timed(lambda: ingest_orders(space)))
            _reset(space)
            copies.append(timed(lambda: raw_copy(space, file)))
            if has_typed:
                typed.append(timed(lambda: typed_copy(space, clean, columns)))
            if not to_sql:  # once: at 10x ingest's time, more rounds would dominate the bench
                to_sql.append(timed(lambda: pandas_to_sql(space, file)))
        postgres = server_version(space)
    job, copied = ingests[-1][1], copies[-1][1]
    ingest_s, copy_s = median([s for s, _ in ingests]), median([s for s, _ in copies])
    to_sql_s = median([s for s, _ in to_sql])
    peers = {"raw_copy_s": tuple(s for s, _ in copies), "pandas_to_sql_s": tuple(s for s, _ in to_sql)}
    ratios = {"ingest_over_raw_copy": ingest_s / copy_s, "to_sql_over_ingest": to_sql_s / ingest_s}
    if typed:
        peers["typed_copy_s"] = tuple(s for s, _ in typed)
        ratios["ingest_over_typed_copy"] = ingest_s / median([s for s, _ in typed])
    return Run(
        name="ingest",
        rows=job.rows_in,
        subject="etl.ingest (orders source): S3 CSV -> typed staging.orders + audit.quarantine",
        subject_s=tuple(s for s, _ in ingests),
        peers=peers,
        ratios=ratios,
        goal=f"ingest_over_raw_copy <= {INGEST_GOAL}, to_sql_over_ingest >= {TO_SQL_GOAL}",
        met=ratios["ingest_over_raw_copy"] <= INGEST_GOAL and ratios["to_sql_over_ingest"] >= TO_SQL_GOAL,
        # the limit must land every record ingest accounted for, or it did other work
        agree=copied == job.rows_out + job.rows_rejected,
        details={
            "file_bytes": file.size,
            "rows_loaded": job.rows_out,
            "rows_quarantined": job.rows_rejected,
            "raw_copy_rows": copied,
            "typed_copy_rows": typed[-1][1] if typed else None,
            "to_sql_rows": to_sql[-1][1],  # pandas skips the ragged lines
            "to_sql_chunk_rows": TO_SQL_CHUNK,
            "ingest_rows_per_s": round(job.rows_in / ingest_s),
            "raw_copy_rows_per_s": round(copied / copy_s),
            "postgres": postgres,
        },
    )
