"""Ingest: raw CSV files in S3 -> typed rows in ``staging.<source>`` and bad rows in quarantine.

Per source and run date, Python splits every file into records (etl/parsing.py) and COPYs them,
as text, into a landing table: file, line, raw text, any error found while splitting (malformed
CSV, bad encoding, ragged row) and one text column per field. Then SQL does the rest, set-based:
one query marks the records that fail any check of etl/sources.py on their untrimmed values,
and one statement trims and checks the marked ones again, in column order, quarantines the bad
ones with the reason of their first failing check and stages every good one, typed, in place of
the run date's rows. All of it happens in the job's one transaction, so a rerun of a run date
replaces its rows and a failure leaves staging and quarantine as they were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from etl import aws, db
from etl.errors import EtlInputError
from etl.parsing import RecordSplitter
from etl.runner import Counts
from etl.sources import LINEAGE_COLUMNS, SOURCES, Check, Field, Source, literal

LANDING_COLUMNS = ("file_no", "line_no", "raw_line", "error_code", "error_reason")
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
# The checks compare PostgreSQL's own rendering of dates and timestamps (etl/sources.py), and a
# timestamp without an offset is UTC: both settings hold for the checking and typing only.
SETTINGS = (("TimeZone", "UTC"), ("DateStyle", "ISO, YMD"))


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


def landing_table(source: Source) -> str:
    """The landed records: an unlogged table (no WAL, and a parallel scan can check it, which a
    temporary table cannot), created and dropped inside the job's transaction, so no other
    session ever sees it."""
    return f"audit.ingest_{source.name}_landed"


def marks_table(source: Source) -> str:
    """The (file_no, line_no) of the landed records to trim and check again (see ``recheck_sql``)."""
    return f"ingest_{source.name}_recheck"


def _first_failing(checks: Sequence[tuple[Field, Check]], numbered: bool) -> str:
    """WHENs of a CASE: the number of the first failing check (or 1 for any when not ``numbered``)."""
    return " ".join(
        f"WHEN {check.fails} THEN {i if numbered else 1}" for i, (_, check) in enumerate(checks, 1)
    )


_TYPES = {"run_date": "date", "source": "text", "run_id": "bigint", "files": "text[]"}


def _sql(text: str) -> str:
    """Placeholders for psycopg2: ``__name__`` becomes ``%(name)s``; a ``%`` of SQL itself is doubled."""
    text = text.replace("%", "%%")
    for name, type_name in _TYPES.items():
        text = text.replace(f"__{name}__", f"%({name})s::{type_name}")
    return text


@cache
def recheck_sql(source: Source) -> str:
    """Mark the landed records that fail any check on their untrimmed values (or failed splitting).

    Every check but those of text rejects a value with blanks at its edges, and text is checked
    for them, so a record that passes needs no trimming: almost every record of a good file
    is typed straight from its landed text, and only the marked ones are trimmed and checked
    again, in order, by ``typing_sql``. A plain query, so PostgreSQL may scan in parallel.
    """
    quick = _first_failing(source.checks(list(source.columns), raw=True), numbered=False)
    return (
        f"CREATE TEMP TABLE {marks_table(source)} ON COMMIT DROP AS SELECT file_no, line_no"
        f" FROM {landing_table(source)} WHERE CASE WHEN error_code IS NOT NULL THEN 1 {quick} END = 1"
    )


@cache
def typing_sql(source: Source) -> str:
    """Quarantine the bad landed records and stage the good ones, typed, in one statement.

    A bad record gets its splitting error, else the code, column and reason of its first failing
    check. Parameters: run_date, source, run_id and files (the s3 URIs, indexed by ``file_no``).
    """
    columns = source.columns
    land, marks = landing_table(source), marks_table(source)
    trimmed = ", ".join(f"audit.strip_blanks(l.{c}) AS v_{c}" for c in columns)
    checks = source.checks([f"t.v_{c}" for c in columns])
    messages = [check.message for _, check in source.checks([f"c.v_{c}" for c in columns])]
    codes = ", ".join(literal(check.code) for _, check in checks)
    names = ", ".join(literal(f.name) for f, _ in checks)
    reasons = " ".join(
        f"WHEN {i + 1} THEN {literal(f.name + ': ')} || {messages[i]}" for i, (f, _) in enumerate(checks)
    )
    quarantine = ", ".join(QUARANTINE_COLUMNS)
    staging = ", ".join((*columns, *LINEAGE_COLUMNS[:3]))
    lineage = "__run_date__, (__files__)[{0}.file_no], {0}.line_no"
    return _sql(f"""
WITH rechecked AS MATERIALIZED (
    SELECT t.*, CASE WHEN t.error_code IS NOT NULL THEN 0 {_first_failing(checks, True)} END AS failure
    FROM (SELECT l.*, {trimmed} FROM {land} l
          WHERE EXISTS (SELECT FROM {marks} m WHERE m.file_no = l.file_no AND m.line_no = l.line_no)
          OFFSET 0) t
), bad AS (
    INSERT INTO audit.quarantine ({quarantine})
    SELECT __run_date__, __source__, (__files__)[c.file_no], c.line_no,
           COALESCE(c.raw_line, {" || ',' || ".join(f"c.{c}" for c in columns)}),
           COALESCE(c.error_code, (ARRAY[{codes}])[c.failure]), (ARRAY[{names}])[c.failure],
           COALESCE(c.error_reason, CASE c.failure {reasons} END), __run_id__
    FROM rechecked c WHERE c.failure IS NOT NULL
)
INSERT INTO {source.table} ({staging})
SELECT {", ".join(source.typed([f"g.{c}" for c in columns]))}, {lineage.format("g")}
FROM {land} g
WHERE NOT EXISTS (SELECT FROM {marks} m WHERE m.file_no = g.file_no AND m.line_no = g.line_no)
UNION ALL
SELECT {", ".join(source.typed([f"c.v_{c}" for c in columns]))}, {lineage.format("c")}
FROM rechecked c WHERE c.failure IS NULL""")


def typing_name(source: Source) -> str:
    """The typing statement's name, for ``db.replaced``: ``ingest.typing_<source>``."""
    return f"ingest.typing_{source.name}"


def typing_statements() -> dict[str, str]:
    """The typing statement of every source by name (psycopg2 ``%(name)s`` parameters)."""
    return {typing_name(source): typing_sql(source) for source in SOURCES}


class _CopySource:
    """The landing rows of every file of a source as a file-like object for COPY ... FROM STDIN.

    An error while reading (S3, a bad header) ends the COPY early and is kept in ``error`` for
    the caller to raise once the COPY is over.
    """

    def __init__(self, source: Source, s3: Any, files: Sequence[aws.RawFile]) -> None:
        self.rows_in = 0
        self.error: BaseException | None = None
        self._blocks = self._generate(source, s3, files)

    def _generate(self, source: Source, s3: Any, files: Sequence[aws.RawFile]) -> Iterator[bytes]:
        for file_no, file in enumerate(files, 1):
            splitter = RecordSplitter(aws.iter_chunks(s3, file))
            header = splitter.header()
            if header is None:
                raise EtlInputError(
                    f"{file.uri} is empty: no header row", f"expected header {','.join(source.columns)}"
                )
            if header.error is not None:
                raise EtlInputError(f"{file.uri}:1: unreadable header: {header.error.reason}")
            index = source.header_index(header.fields, file.uri)
            for block in splitter.rows(index, prefix=f"{file_no}\t"):
                yield block.encode("utf-8")
            self.rows_in += splitter.records

    def read(self, size: int = -1) -> bytes:
        if self.error is not None:
            return b""
        try:
            return next(self._blocks, b"")
        except BaseException as exc:  # re-raised by ingest_source after the COPY
            self.error = exc
            return b""


def ingest_source(
    cur: Any, s3: Any, source: Source, files: Sequence[aws.RawFile], run_date: date, run_id: int
) -> SourceStats:
    """Replace the run date's rows of one source in staging and quarantine."""
    stats = SourceStats(files=[f.uri for f in files])
    land = landing_table(source)
    columns = ", ".join(f"{c} text" for c in source.columns)
    cur.execute(f"DROP TABLE IF EXISTS {land}")  # only a bug could have committed one
    cur.execute(
        f"CREATE UNLOGGED TABLE {land} (file_no integer NOT NULL, line_no integer NOT NULL,"
        f" raw_line text, error_code text, error_reason text, {columns})"
    )
    stream = _CopySource(source, s3, files)
    cur.copy_expert(f"COPY {land} ({', '.join((*LANDING_COLUMNS, *source.columns))}) FROM STDIN", stream)
    if stream.error is not None:
        raise stream.error
    stats.rows_in = stream.rows_in
    cur.execute("DELETE FROM audit.quarantine WHERE run_date = %s AND source = %s", (run_date, source.name))
    cur.execute(f"DELETE FROM {source.table} WHERE run_date = %s", (run_date,))
    cur.execute("SELECT " + ", ".join(f"current_setting({literal(name)})" for name, _ in SETTINGS))
    saved = cur.fetchone()
    _set(cur, [value for _, value in SETTINGS])
    params = {"run_date": run_date, "source": source.name, "run_id": run_id, "files": stats.files}
    cur.execute(recheck_sql(source))
    cur.execute(f"ANALYZE {marks_table(source)}")  # few rows: the planner hashes them, not the landed ones
    cur.execute(db.sql_of(typing_name(source), typing_sql(source)), params)
    stats.rows_loaded = cur.rowcount
    _set(cur, saved)
    cur.execute(
        "SELECT reason_code, count(*) FROM audit.quarantine WHERE run_date = %s AND source = %s GROUP BY 1",
        (run_date, source.name),
    )
    stats.reasons.update({code: int(n) for code, n in cur.fetchall()})
    stats.rows_quarantined = sum(stats.reasons.values())
    if stats.rows_loaded + stats.rows_quarantined != stats.rows_in:  # the promise, checked exactly
        raise RuntimeError(
            f"{source.table}: read {stats.rows_in} records but staged {stats.rows_loaded}"
            f" and quarantined {stats.rows_quarantined}"
        )
    cur.execute(f"DROP TABLE {land}, {marks_table(source)}")
    return stats


def _set(cur: Any, values: Sequence[str]) -> None:
    """Set ``SETTINGS`` to ``values`` for the rest of the transaction."""
    names = [name for name, _ in SETTINGS]
    cur.execute("SELECT " + ", ".join(f"set_config({literal(n)}, %s, true)" for n in names), list(values))


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
