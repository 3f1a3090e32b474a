"""The ETL's ingest job vs the limit: a raw COPY of the same S3 object into an untyped table.

Ingest streams the raw orders CSV from S3, splits its records in Python and COPYs them as
text into a landing table, then types and validates them in SQL (typed rows into staging, the
rest into audit.quarantine with their reason) and commits once, with its audit row.
The limit reads the same object from the same S3 and COPYs its lines, untouched, into a
one-column text table: the least work that lands those bytes in PostgreSQL. The ratio is
what typing, quarantine and the job's bookkeeping cost on top of moving the bytes.
"""

from __future__ import annotations

from bench.results import Run
from bench.timing import median, timed
from bench.workspace import Workspace, ingest_orders, land_raw, server_version, workspace
from etl import aws, db
from etl.runner import JobResult
from etlq.local import LocalServices

DEFECTS = 0.01  # planted defects per clean row, so the quarantine path runs as in production
LINES_TABLE = "public.raw_orders_lines"
# One field per line: delimiter and quote are control characters no raw file contains.
COPY_SQL = (
    f"COPY {LINES_TABLE} (line) FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER E'\\x1f', QUOTE E'\\x1e')"
)
RESET_SQL = f"TRUNCATE staging.orders, audit.quarantine, {LINES_TABLE}"
READ_BYTES = 1 << 20  # the chunk size ingest reads S3 with


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


def _prepare(space: Workspace) -> None:
    """The ETL's tables and the text table exist before the first timed run."""
    conn = db.connect(space.url)
    try:
        db.ensure_schema(conn)
        with conn, conn.cursor() as cur:
            cur.execute(f"CREATE TABLE {LINES_TABLE} (line text)")
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
        _prepare(space)
        ingests: list[tuple[float, JobResult]] = []
        copies: list[tuple[float, int]] = []
        for _ in range(repeat):  # interleaved, so a burst of load on the machine hits both alike
            _reset(space)
            ingests.append(timed(lambda: ingest_orders(space)))
            _reset(space)
            copies.append(timed(lambda: raw_copy(space, file)))
        postgres = server_version(space)
    job, copied = ingests[-1][1], copies[-1][1]
    ingest_s, copy_s = median([s for s, _ in ingests]), median([s for s, _ in copies])
    return Run(
        name="ingest",
        rows=job.rows_in,
        subject="etl.ingest (orders source): S3 CSV -> typed staging.orders + audit.quarantine",
        subject_s=tuple(s for s, _ in ingests),
        peers={"raw_copy_s": tuple(s for s, _ in copies)},
        ratios={"ingest_over_raw_copy": ingest_s / copy_s},
        goal="none set: the ratio is reported",
        met=None,
        # the limit must land every record ingest accounted for, or it did other work
        agree=copied == job.rows_out + job.rows_rejected,
        details={
            "file_bytes": file.size,
            "rows_loaded": job.rows_out,
            "rows_quarantined": job.rows_rejected,
            "raw_copy_rows": copied,
            "ingest_rows_per_s": round(job.rows_in / ingest_s),
            "raw_copy_rows_per_s": round(copied / copy_s),
            "postgres": postgres,
        },
    )
