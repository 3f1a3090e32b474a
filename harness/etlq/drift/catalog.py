"""The live shape of tables, read from pg_catalog in two queries for any number of tables:
columns (``format_type``, nullability, defaults), then keys (primary, foreign, unique).

Used by drift (the comparison), the SQL engine (does the column exist?) and the scaffold.
A snapshot is this same data as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from etlq.contracts.model import ForeignKey
from etlq.errors import EtlqError
from etlq.export.files import write_atomic

SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class LiveColumn:
    name: str
    type: str  # format_type() spelling
    nullable: bool
    has_default: bool = False  # DEFAULT, identity or generated: an insert may omit it


@dataclass(frozen=True)
class LiveTable:
    table: str  # schema.table
    columns: tuple[LiveColumn, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_keys: tuple[tuple[str, ...], ...] = ()  # unique constraints and plain unique indexes
    # table, partitioned table, partition, view, materialized view, foreign table (not in snapshots)
    kind: str = "table"

    def column(self, name: str) -> LiveColumn | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [
                {"name": c.name, "type": c.type, "nullable": c.nullable, "has_default": c.has_default}
                for c in self.columns
            ],
            "primary_key": list(self.primary_key),
            "foreign_keys": [
                {"columns": list(fk.columns), "ref_table": fk.ref_table, "ref_columns": list(fk.ref_columns)}
                for fk in self.foreign_keys
            ],
            "unique_keys": [list(k) for k in self.unique_keys],
        }

    @classmethod
    def from_json(cls, table: str, data: dict[str, Any]) -> LiveTable:
        return cls(
            table=table,
            columns=tuple(LiveColumn(**c) for c in data["columns"]),
            primary_key=tuple(data.get("primary_key", ())),
            foreign_keys=tuple(
                ForeignKey(tuple(fk["columns"]), fk["ref_table"], tuple(fk["ref_columns"]))
                for fk in data.get("foreign_keys", ())
            ),
            unique_keys=tuple(tuple(k) for k in data.get("unique_keys", ())),
        )


Catalog = dict[str, LiveTable]

_SCOPE = """(n.nspname = ANY(CAST(:schemas AS text[]))
             OR n.nspname || '.' || c.relname = ANY(CAST(:tables AS text[])))"""

_COLUMNS = text(f"""
SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname::text AS column_name,
       -- format_type() omits the schema of types on the search_path, which differs between
       -- roles: qualify every user-defined type (or array element type) explicitly
       CASE WHEN en.nspname <> 'pg_catalog' AND pg_catalog.pg_type_is_visible(et.oid)
            THEN pg_catalog.quote_ident(en.nspname) || '.' ELSE '' END
         || format_type(a.atttypid, a.atttypmod) AS column_type,
       NOT a.attnotnull AS nullable,
       (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS has_default,
       CASE WHEN c.relispartition THEN 'partition'
            ELSE CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                 WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END
       END AS relation_kind
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {_SCOPE}
ORDER BY n.nspname, c.relname, a.attnum
""")

# constraints (p, f, u) and unique indexes that back no constraint (kind 'i'), columns in key order
_KEYS = text(f"""
SELECT n.nspname AS schema_name, c.relname AS table_name,
       con.contype::text AS kind, con.conname::text AS name,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord) AS columns,
       rn.nspname::text AS ref_schema, rc.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord) AS ref_columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'f', 'u') AND {_SCOPE}
UNION ALL
SELECT n.nspname, c.relname, 'i', ic.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
             ORDER BY k.ord),
       NULL, NULL, NULL
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE i.indisunique AND NOT i.indisprimary AND i.indexprs IS NULL AND i.indpred IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint x WHERE x.conindid = i.indexrelid)
  AND {_SCOPE}
ORDER BY 1, 2, 3, 4
""")


def read_catalog(conn: Connection, *, tables: Iterable[str] = (), schemas: Iterable[str] = ()) -> Catalog:
    """Live tables named in ``tables`` (``schema.table``) or living in ``schemas``."""
    scope = {"tables": sorted(set(tables)), "schemas": sorted(set(schemas))}
    columns: dict[str, list[LiveColumn]] = {}
    kinds: dict[str, str] = {}
    for row in conn.execute(_COLUMNS, scope):
        key = f"{row.schema_name}.{row.table_name}"
        kinds[key] = row.relation_kind
        columns.setdefault(key, []).append(
            LiveColumn(row.column_name, row.column_type, bool(row.nullable), bool(row.has_default))
        )
    keys: dict[str, dict[str, list[Any]]] = {t: {"p": [], "f": [], "u": []} for t in columns}
    for row in conn.execute(_KEYS, scope):
        key = f"{row.schema_name}.{row.table_name}"
        if key not in keys:
            continue
        cols = tuple(row.columns)
        if row.kind == "f":
            ref = f"{row.ref_schema}.{row.ref_table}"
            keys[key]["f"].append(ForeignKey(cols, ref, tuple(row.ref_columns)))
        else:
            keys[key]["p" if row.kind == "p" else "u"].append(cols)
    return {
        name: LiveTable(
            table=name,
            columns=tuple(cols),
            primary_key=keys[name]["p"][0] if keys[name]["p"] else (),
            foreign_keys=tuple(keys[name]["f"]),
            unique_keys=tuple(keys[name]["u"]),
            kind=kinds[name],
        )
        for name, cols in columns.items()
    }


def catalog_to_json(catalog: Catalog) -> dict[str, Any]:
    return {
        "version": SNAPSHOT_VERSION,
        "tables": {name: catalog[name].to_json() for name in sorted(catalog)},
    }


def write_snapshot(catalog: Catalog, path: Path | str) -> None:
    """Write atomically: a half-written snapshot would poison every later drift run."""
    write_atomic(path, json.dumps(catalog_to_json(catalog), indent=2) + "\n")


def read_snapshot(path: Path | str) -> Catalog:
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {SNAPSHOT_VERSION}")
        return {name: LiveTable.from_json(name, spec) for name, spec in data["tables"].items()}
    except FileNotFoundError:
        raise EtlqError(f"{source}: no such snapshot file", "create one with --save-snapshot") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EtlqError(
            f"{source}: not an etlq drift snapshot ({exc})", "recreate it with --save-snapshot"
        ) from None
