"""Write the masked subset: a target database in one transaction, or CSV files.

The rows arrive masked and already seen by the leak scan (``harness/etlq/sanitize/leakscan.py``,
run on each row as it streams by); a leak rolls the target back or removes the files.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from etlq.sanitize import copytext
from etlq.sanitize.catalog import ForeignKeyInfo, TableInfo, TableRef
from etlq.sanitize.rowmask import MaskRow


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


# --- files ------------------------------------------------------------------------------------


def table_file(out: Path, ref: TableRef) -> Path:
    safe = [part.replace("/", "%2F") for part in (ref.schema, ref.name)]
    return out / safe[0] / f"{safe[1]}.csv"


def write_csv(path: Path, info: TableInfo, lines: Iterator[bytes]) -> None:
    """CSV with a header (NULL = empty field, empty text = ``""``), renamed into place when complete."""
    from etlq.export.files import csv_field  # the same quoting as generated raw files

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(csv_field(c.name) for c in info.columns) + "\n")
        for line in lines:
            values = [copytext.decode(f) for f in copytext.split_line(line.rstrip(b"\n"))]
            handle.write(",".join(csv_field(v) if v != "" else '""' for v in values) + "\n")
    os.replace(partial, path)
