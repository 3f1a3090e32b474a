"""Tables, columns, keys and foreign keys of a PostgreSQL database, read from ``pg_catalog``.

Names are kept exactly as the catalog spells them (mixed case, spaces); every statement
built from them quotes them through SQLAlchemy's identifier preparer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from etlq.errors import EtlqError

TEXT_TYPES = ("text", "character", "citext", "name")


@dataclass(frozen=True)
class TableRef:
    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str  # format_type(), e.g. "character varying(254)"
    not_null: bool
    # what a target without the source's own types holds: a domain's base type, text for an
    # enum, composite or extension type, text[] for an array of them; else ``type`` itself
    target_type: str = ""

    @property
    def portable_type(self) -> str:
        return self.target_type or self.type

    @property
    def is_text(self) -> bool:
        return self.portable_type.startswith(TEXT_TYPES) and not self.portable_type.endswith("]")


@dataclass(frozen=True)
class ForeignKeyInfo:
    name: str
    child: TableRef
    columns: tuple[str, ...]
    parent: TableRef
    parent_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableInfo:
    ref: TableRef
    columns: tuple[ColumnInfo, ...]
    primary_key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...]
    partitioned: bool = False

    def column(self, name: str) -> ColumnInfo:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Catalog:
    tables: dict[TableRef, TableInfo]
    foreign_keys: tuple[ForeignKeyInfo, ...]

    def parents(self, ref: TableRef) -> list[ForeignKeyInfo]:
        return [fk for fk in self.foreign_keys if fk.child == ref]

    def children(self, ref: TableRef) -> list[ForeignKeyInfo]:
        return [fk for fk in self.foreign_keys if fk.parent == ref]


_TABLES = """
SELECT c.oid, n.nspname, c.relname, c.relkind = 'p'
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
"""
# e: the element type of an array (else the type); b: a domain's base type (else e). Only
# built-in (pg_catalog) types travel as they are; the rest become text, as COPY prints them.
_COLUMNS = """
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       CASE WHEN bn.nspname = 'pg_catalog'
            THEN format_type(b.oid, CASE WHEN e.typtype = 'd' THEN e.typtypmod ELSE a.atttypmod END)
            ELSE 'text' END || CASE WHEN e.oid <> t.oid THEN '[]' ELSE '' END
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type e ON e.oid = CASE WHEN t.typtype = 'b' AND t.typcategory = 'A' AND t.typelem <> 0
                               THEN t.typelem ELSE t.oid END
JOIN pg_type b ON b.oid = CASE WHEN e.typtype = 'd' THEN e.typbasetype ELSE e.oid END
JOIN pg_namespace bn ON bn.oid = b.typnamespace
WHERE a.attrelid = ANY(:oids) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum
"""
_CONSTRAINTS = """
SELECT con.conname, con.contype, con.conrelid, con.confrelid,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint con WHERE con.contype IN ('p', 'u', 'f') AND con.conrelid = ANY(:oids)
ORDER BY con.conrelid, con.conname
"""


def read_catalog(conn: sa.Connection) -> Catalog:
    """Every user table of the database with its columns, keys and foreign keys."""
    rows = list(conn.execute(sa.text(_TABLES)))
    refs = {oid: TableRef(schema, name) for oid, schema, name, _ in rows}
    partitioned = {oid for oid, _, _, is_partitioned in rows if is_partitioned}
    oids = list(refs)
    columns: dict[int, list[ColumnInfo]] = {oid: [] for oid in oids}
    for oid, name, type_, not_null, target_type in conn.execute(sa.text(_COLUMNS), {"oids": oids}):
        columns[oid].append(ColumnInfo(name, type_, not_null, target_type))
    pks: dict[int, tuple[str, ...]] = {}
    uniques: dict[int, list[tuple[str, ...]]] = {oid: [] for oid in oids}
    fks: list[ForeignKeyInfo] = []
    for name, kind, rel, frel, cols, fcols in conn.execute(sa.text(_CONSTRAINTS), {"oids": oids}):
        if kind == "p":
            pks[rel] = tuple(cols)
        elif kind == "u":
            uniques[rel].append(tuple(cols))
        elif frel in refs:
            fks.append(ForeignKeyInfo(name, refs[rel], tuple(cols), refs[frel], tuple(fcols)))
    tables = {
        refs[o]: TableInfo(refs[o], tuple(columns[o]), pks.get(o, ()), tuple(uniques[o]), o in partitioned)
        for o in oids
    }
    return Catalog(tables, tuple(fks))


def parse_table(text: str, catalog: Catalog) -> TableRef:
    """``schema.table``; either part may be double-quoted (``"Sales Data"."Customer Accounts"``)."""
    parts, buf, quoted, i = [], "", False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                buf, i = buf + '"', i + 2
                continue
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(buf)
            buf = ""
        else:
            buf += ch
        i += 1
    parts.append(buf)
    if len(parts) != 2 or not all(parts):
        raise EtlqError(
            f"--root {text!r} is not schema.table", 'quote names with dots: "my.schema"."my table"'
        )
    ref = TableRef(parts[0], parts[1])
    if ref not in catalog.tables:
        known = sorted(str(t) for t in catalog.tables)
        raise EtlqError(
            f"--root {text!r}: no such table in the source", f"choose one of: {', '.join(known[:12])}"
        )
    return ref


def scope(catalog: Catalog, root: TableRef, children: bool) -> list[TableRef]:
    """The root, its descendants (``children``), and every parent of those, recursively; parents first."""
    selected = {root}
    if children:
        _reach(selected, lambda ref: (fk.child for fk in catalog.children(ref)))
    _reach(selected, lambda ref: (fk.parent for fk in catalog.parents(ref)))
    return parents_first(catalog, selected)


def _reach(selected: set[TableRef], step: Callable[[TableRef], Iterable[TableRef]]) -> None:
    """Add to ``selected`` every table ``step`` leads to from it, transitively."""
    frontier = list(selected)
    while frontier:
        for ref in step(frontier.pop()):
            if ref not in selected:
                selected.add(ref)
                frontier.append(ref)


def parents_first(catalog: Catalog, refs: set[TableRef]) -> list[TableRef]:
    ordered: list[TableRef] = []
    pending = sorted(refs, key=str)
    while pending:
        ready = [
            r
            for r in pending
            if all(
                fk.parent in ordered or fk.parent == r or fk.parent not in refs for fk in catalog.parents(r)
            )
        ]
        pick = (ready or pending)[0]  # a cycle: take the first by name
        ordered.append(pick)
        pending.remove(pick)
    return ordered
