"""Write the masked subset (a target database in one transaction, or CSV files) and scan it for leaks.

The leak scan looks for any source value of a PII column (hashed: md5 of the trimmed, ASCII
lower-cased text, at least ``MIN_LEAK_LENGTH`` characters) in every text column of the output
that was not masked. In a database the hashes go to a temp table and one join per column
finds them; in files a set of hashes is checked while writing. Masked columns are not
scanned: their values are HMAC outputs (and never equal their input, see ``mask``), so a
match there would be a coincidence with some other person's value, not a leak.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from harness.sanitize import copytext
from harness.sanitize.catalog import ForeignKeyInfo, TableInfo, TableRef
from harness.sanitize.pii import MaskRule

MIN_LEAK_LENGTH = 4
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Leak:
    table: str
    column: str
    rows: int
    source_column: str  # the PII column the value came from

    def __str__(self) -> str:
        return f"{self.table}.{self.column}: {self.rows} rows hold values of PII column {self.source_column}"


def leak_hash(value: str) -> str:
    """Python twin of ``leak_hash_sql``: md5(lower(btrim(v)) in the C collation)."""
    return hashlib.md5(value.strip(" ").translate(ASCII_LOWER).encode("utf-8")).hexdigest()


def leak_hash_sql(column: sa.ColumnElement) -> sa.ColumnElement:
    trimmed = sa.func.btrim(sa.cast(column, sa.Text))
    return sa.func.md5(sa.func.lower(trimmed.collate("C")))


def leak_hashes_query(ref: TableRef, column: str, pg_type: str = "text") -> sa.Select:
    """Distinct hashes of one source PII column, labelled with the column, for COPY TO.

    An inet value is hashed as its address alone (``host()``: text(inet) appends ``/32``),
    the way it would be written into a text column."""
    c: sa.ColumnClause[Any] = sa.column(column)
    t = sa.table(ref.name, c, schema=ref.schema)
    value: sa.ColumnElement[Any] = sa.func.host(c) if pg_type in ("inet", "cidr") else c
    trimmed = sa.func.btrim(sa.cast(value, sa.Text))
    return (
        sa.select(sa.literal(f"{ref}.{column}"), leak_hash_sql(value))
        .select_from(t)
        .where(c.is_not(None), sa.func.length(trimmed) >= MIN_LEAK_LENGTH)
        .distinct()
    )


MaskRow = Callable[[list[bytes]], list[bytes]]


def masked_lines(raw: IO[bytes], mask_row: MaskRow) -> Iterator[bytes]:
    for line in raw:
        yield b"\t".join(mask_row(copytext.split_line(line.rstrip(b"\n")))) + b"\n"


# --- target database --------------------------------------------------------------------------


def existing_tables(conn: sa.Connection, tables: Sequence[TableRef]) -> list[TableRef]:
    found = []
    for ref in tables:
        if (
            conn.execute(sa.text("SELECT to_regclass(:name)"), {"name": _qualified(conn, ref)}).scalar()
            is not None
        ):
            found.append(ref)
    return found


def _qualified(conn: sa.Connection, ref: TableRef) -> str:
    quote = conn.dialect.identifier_preparer.quote
    return f"{quote(ref.schema)}.{quote(ref.name)}"


def create_table(conn: sa.Connection, info: TableInfo) -> None:
    """Columns, types, NOT NULL, primary key and unique constraints as in the source."""
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(info.ref.schema)}")
    parts = [f"{quote(c.name)} {c.portable_type}{' NOT NULL' if c.not_null else ''}" for c in info.columns]
    if info.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(map(quote, info.primary_key))})")
    parts += [f"UNIQUE ({', '.join(map(quote, cols))})" for cols in info.unique]
    conn.exec_driver_sql(f"CREATE TABLE {_qualified(conn, info.ref)} ({', '.join(parts)})")


def add_foreign_key(conn: sa.Connection, fk: ForeignKeyInfo) -> None:
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(
        f"ALTER TABLE {_qualified(conn, fk.child)} ADD CONSTRAINT {quote(fk.name)} "
        f"FOREIGN KEY ({', '.join(map(quote, fk.columns))}) "
        f"REFERENCES {_qualified(conn, fk.parent)} ({', '.join(map(quote, fk.parent_columns))})"
    )


def copy_in(conn: sa.Connection, info: TableInfo, lines: Iterator[bytes]) -> None:
    quote = conn.dialect.identifier_preparer.quote
    cols = ", ".join(quote(c.name) for c in info.columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.copy_expert(f"COPY {_qualified(conn, info.ref)} ({cols}) FROM STDIN", _LineReader(lines))


class _LineReader:
    """The file-like object ``copy_expert`` reads from, fed by a generator of lines."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines, self.buffer = lines, b""

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self.buffer) < size) and (line := next(self.lines, None)) is not None:
            self.buffer += line
        if size < 0:
            size = len(self.buffer)
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    readline = read


def scan_database(
    conn: sa.Connection, hashes: IO[bytes], outputs: Sequence[TableInfo], rules: Sequence[MaskRule]
) -> list[Leak]:
    """Join the source PII hashes against every unmasked text column of the output tables."""
    conn.exec_driver_sql("CREATE TEMPORARY TABLE etlq_pii_hashes (source text, h text) ON COMMIT DROP")
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    cursor.copy_expert("COPY etlq_pii_hashes (source, h) FROM STDIN", hashes)
    conn.exec_driver_sql("CREATE INDEX ON etlq_pii_hashes (h)")
    masked = {(str(r.table), r.column) for r in rules}
    h = sa.table("etlq_pii_hashes", sa.column("source"), sa.column("h"))
    leaks = []
    for info in outputs:
        for col in info.columns:
            if not col.is_text or (str(info.ref), col.name) in masked:
                continue
            c: sa.ColumnClause[Any] = sa.column(col.name)
            t = sa.table(info.ref.name, c, schema=info.ref.schema)
            query = (
                sa.select(h.c.source, sa.func.count())
                .select_from(t.join(h, h.c.h == leak_hash_sql(c)))
                .group_by(h.c.source)
                .order_by(h.c.source)
            )
            leaks += [Leak(str(info.ref), col.name, int(n), source) for source, n in conn.execute(query)]
    return leaks


# --- files ------------------------------------------------------------------------------------


def table_file(out: Path, ref: TableRef) -> Path:
    safe = [part.replace("/", "%2F") for part in (ref.schema, ref.name)]
    return out / safe[0] / f"{safe[1]}.csv"


def write_csv(
    path: Path, info: TableInfo, lines: Iterator[bytes], leaks: dict[str, str], unmasked_text: set[str]
) -> list[Leak]:
    """CSV with a header (NULL = empty field, empty text = ``""``); checks unmasked text against ``leaks``."""
    from harness.datagen.defects import csv_field  # the same quoting as generated raw files

    names = [c.name for c in info.columns]
    scan = [i for i, name in enumerate(names) if name in unmasked_text]
    found: dict[tuple[str, str], int] = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(csv_field(n) for n in names) + "\n")
        for line in lines:
            values = [copytext.decode(f) for f in copytext.split_line(line.rstrip(b"\n"))]
            handle.write(",".join(csv_field(v) if v != "" else '""' for v in values) + "\n")
            for i in scan:
                value = values[i]
                if value is not None and len(value.strip(" ")) >= MIN_LEAK_LENGTH:
                    source = leaks.get(leak_hash(value))
                    if source is not None:
                        found[(names[i], source)] = found.get((names[i], source), 0) + 1
    os.replace(partial, path)
    return [Leak(str(info.ref), column, n, source) for (column, source), n in sorted(found.items())]
