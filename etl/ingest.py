"""Ingest: raw CSV files in S3 -> typed rows in ``staging.<source>`` and bad rows in quarantine.

Per source and run date, every file is streamed, each record is typed in Python, good rows are
COPYed into a temporary table and bad ones into ``audit.quarantine``; then the run date's
staging rows are replaced by the new ones. All of it happens in the job's one transaction, so
a rerun of a run date replaces its rows and a failure leaves staging as it was.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from etl import aws
from etl.errors import EtlInputError
from etl.parsing import FieldError, read_records
from etl.runner import Counts
from etl.sources import LINEAGE_COLUMNS, SOURCES, Source

FLUSH_ROWS = 50_000  # rows buffered in memory before each COPY
QUARANTINE_COLUMNS = (
    "run_date",
    "source",
    "source_file",
    "line_no",
    "raw_line",
    "reason_code",
    "column_name",
    "reason",
    "run_id",
)


@dataclass
class SourceStats:
    files: list[str] = field(default_factory=list)
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "rows_in": self.rows_in,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "reasons": dict(sorted(self.reasons.items())),
        }


class _CopyBuffer:
    """CSV rows held in memory and COPYed into ``table`` every ``FLUSH_ROWS`` rows."""

    def __init__(self, cur: Any, table: str, columns: Sequence[str]) -> None:
        self._cur = cur
        self._sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")
        self._pending = 0

    def add(self, row: Sequence[Any]) -> None:
        self._writer.writerow(row)
        self._pending += 1
        if self._pending >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._buffer.seek(0)
            self._cur.copy_expert(self._sql, self._buffer)
            self._buffer.seek(0)
            self._buffer.truncate()
            self._pending = 0


def _load_file(
    source: Source,
    file: aws.RawFile,
    lines: Any,
    good: _CopyBuffer,
    bad: _CopyBuffer,
    stats: SourceStats,
    run_date: date,
    run_id: int,
) -> None:
    records = read_records(lines)
    header = next(records, None)
    if header is None:
        raise EtlInputError(
            f"{file.uri} is empty: no header row", f"expected header {','.join(source.columns)}"
        )
    if header.error is not None:
        raise EtlInputError(f"{file.uri}:1: unreadable header: {header.error.reason}")
    index = source.header_index(header.fields, file.uri)
    for record in records:
        stats.rows_in += 1
        try:
            if record.error is not None:
                raise record.error
            values = source.type_record(index, record.fields)
        except FieldError as exc:
            bad.add(
                (
                    run_date,
                    source.name,
                    file.uri,
                    record.line_no,
                    record.raw,
                    exc.code,
                    exc.column,
                    exc.reason,
                    run_id,
                )
            )
            stats.rows_quarantined += 1
            stats.reasons[exc.code] += 1
            continue
        good.add((*values, run_date, file.uri, record.line_no))
        stats.rows_loaded += 1


def ingest_source(
    cur: Any, s3: Any, source: Source, files: Sequence[aws.RawFile], run_date: date, run_id: int
) -> SourceStats:
    """Replace the run date's rows of one source in staging and quarantine."""
    stats = SourceStats(files=[f.uri for f in files])
    temp = f"load_{source.name}"
    cur.execute(f"CREATE TEMP TABLE {temp} (LIKE {source.table} INCLUDING DEFAULTS) ON COMMIT DROP")
    cur.execute("DELETE FROM audit.quarantine WHERE run_date = %s AND source = %s", (run_date, source.name))
    good = _CopyBuffer(cur, temp, (*source.columns, *LINEAGE_COLUMNS[:3]))
    bad = _CopyBuffer(cur, "audit.quarantine", QUARANTINE_COLUMNS)
    for file in files:
        _load_file(source, file, aws.iter_lines(s3, file), good, bad, stats, run_date, run_id)
    good.flush()
    bad.flush()
    cur.execute(f"DELETE FROM {source.table} WHERE run_date = %s", (run_date,))
    cur.execute(f"INSERT INTO {source.table} SELECT * FROM {temp}")
    if cur.rowcount != stats.rows_loaded:  # the promise is rows_in = loaded + quarantined, exactly
        raise RuntimeError(f"{source.table}: typed {stats.rows_loaded} rows but staged {cur.rowcount}")
    cur.execute(f"DROP TABLE {temp}")
    return stats


def ingest(
    conn: Any, run_id: int, *, run_date: date, bucket: str, s3: Any, sources: Sequence[Source] = SOURCES
) -> Counts:
    """The ingest job body (see ``etl.runner.run_job``)."""
    # List everything first: a missing source fails the run before any row is read.
    plan = [(source, aws.list_raw_files(s3, bucket, source.name, run_date)) for source in sources]
    counts = Counts(details={"bucket": bucket, "sources": {}})
    with conn.cursor() as cur:
        for source, files in plan:
            stats = ingest_source(cur, s3, source, files, run_date, run_id)
            counts.rows_in += stats.rows_in
            counts.rows_out += stats.rows_loaded
            counts.rows_rejected += stats.rows_quarantined
            counts.details["sources"][source.name] = stats.to_dict()
    return counts
