"""Select a referentially complete subset inside the source database; keys never leave it.

Each table in scope gets a session-private temporary table of selected keys (its primary key,
or its ``ctid`` when it has none; ``tableoid, ctid`` for a partitioned table without one).
Roots are picked by ``--where`` or by a hash of the key (``--fraction``: the same rows every
run). Then, inside one REPEATABLE READ READ ONLY transaction: with ``--children``, rows
referencing selected rows are added downward from the root; finally every selected row's
parents, recursively, until nothing changes.

PostgreSQL refuses ``CREATE`` in a read-only transaction but allows writing temporary
tables, so the key tables are created just before it, in the same session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from etlq.sanitize.catalog import Catalog, ForeignKeyInfo, TableRef

CTID = "ctid"
TABLEOID = "tableoid"  # with ctid, the row address in a partitioned table (ctid repeats across partitions)


@dataclass(frozen=True)
class KeyTable:
    """The temp table of one source table's selected keys: source key columns -> temp columns."""

    ref: TableRef
    temp: str
    # ("ctid",) for a table without a primary key, ("tableoid", "ctid") for a partitioned one
    source_columns: tuple[str, ...]
    temp_columns: tuple[str, ...]

    def table(self) -> sa.TableClause:
        return sa.table(self.temp, *(sa.column(c) for c in self.temp_columns))


def source_table(catalog: Catalog, ref: TableRef) -> sa.TableClause:
    info = catalog.tables[ref]
    system: tuple[sa.ColumnClause[Any], ...] = (sa.column(CTID), sa.column(TABLEOID))
    return sa.table(ref.name, *(sa.column(c.name) for c in info.columns), *system, schema=ref.schema)


def create_key_tables(
    conn: sa.Connection, catalog: Catalog, tables: Sequence[TableRef]
) -> dict[TableRef, KeyTable]:
    """One ``ON COMMIT PRESERVE ROWS`` temp table per source table (before the read-only transaction)."""
    quote = conn.dialect.identifier_preparer.quote
    keys: dict[TableRef, KeyTable] = {}
    for i, ref in enumerate(tables):
        info = catalog.tables[ref]
        pk = info.primary_key
        address = ((TABLEOID, "oid"), (CTID, "tid")) if info.partitioned else ((CTID, "tid"),)
        source_cols = pk or tuple(name for name, _ in address)
        temp_cols = tuple(f"k{j}" for j in range(len(source_cols)))
        # the source's own types (enums, domains) exist in the source session: keys keep them
        types = [info.column(c).type for c in pk] if pk else [t for _, t in address]
        temp = f"etlq_keys_{i}"
        ddl = ", ".join(f"{quote(c)} {t}" for c, t in zip(temp_cols, types, strict=True))
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{quote(temp)}")
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {quote(temp)} ({ddl}, PRIMARY KEY ({', '.join(map(quote, temp_cols))}))"
        )
        keys[ref] = KeyTable(ref, temp, source_cols, temp_cols)
    return keys


def _key_match(t: Any, key: KeyTable, k: Any) -> sa.ColumnElement[bool]:
    return sa.and_(*(t.c[s] == k.c[c] for s, c in zip(key.source_columns, key.temp_columns, strict=True)))


def seed_roots(
    conn: sa.Connection, catalog: Catalog, key: KeyTable, where: str | None, fraction: float | None
) -> int:
    t = source_table(catalog, key.ref)
    query = sa.select(*(t.c[s] for s in key.source_columns))
    if where is not None:
        query = query.where(sa.text(f"({where})"))
    if fraction is not None:
        # the first 32 bits of md5(row(key)) as an unsigned number: a stable, uniform sample
        row_text = sa.cast(sa.func.row(*(t.c[s] for s in key.source_columns)), sa.Text)
        bits = sa.cast(sa.literal("x") + sa.func.substr(sa.func.md5(row_text), 1, 8), postgresql.BIT(32))
        query = query.where(sa.cast(bits, sa.BigInteger) < int(fraction * 2**32))
    k = key.table()
    stmt = postgresql.insert(k).from_select(list(key.temp_columns), query).on_conflict_do_nothing()
    return int(conn.execute(stmt).rowcount)


def _pull(
    conn: sa.Connection, catalog: Catalog, keys: dict[TableRef, KeyTable], fk: ForeignKeyInfo, upward: bool
) -> int:
    """Add parents of selected children (``upward``) or children of selected parents."""
    child = source_table(catalog, fk.child).alias("c")
    parent = source_table(catalog, fk.parent).alias("p")
    joined = sa.and_(*(child.c[c] == parent.c[p] for c, p in zip(fk.columns, fk.parent_columns, strict=True)))
    new, known = (parent, child) if upward else (child, parent)
    new_key, known_key = keys[fk.parent if upward else fk.child], keys[fk.child if upward else fk.parent]
    kt = known_key.table().alias("k")
    query = (
        sa.select(*(new.c[s] for s in new_key.source_columns))
        .select_from(new.join(known, joined).join(kt, _key_match(known, known_key, kt)))
        .distinct()
    )
    stmt = (
        postgresql.insert(new_key.table())
        .from_select(list(new_key.temp_columns), query)
        .on_conflict_do_nothing()
    )
    return int(conn.execute(stmt).rowcount)


def close_over_keys(
    conn: sa.Connection, catalog: Catalog, keys: dict[TableRef, KeyTable], children: bool
) -> None:
    fks = [fk for fk in catalog.foreign_keys if fk.child in keys and fk.parent in keys]
    if children:
        while sum(_pull(conn, catalog, keys, fk, upward=False) for fk in fks):
            pass
    while sum(_pull(conn, catalog, keys, fk, upward=True) for fk in fks):
        pass


def selected_rows(catalog: Catalog, key: KeyTable) -> sa.Select:
    """The selected rows of one table, all columns in table order, sorted by key (stable output)."""
    t = source_table(catalog, key.ref)
    k = key.table()
    cols = [t.c[c.name] for c in catalog.tables[key.ref].columns]
    order = [t.c[s] for s in key.source_columns]
    return sa.select(*cols).select_from(t.join(k, _key_match(t, key, k))).order_by(*order)


def count_selected(conn: sa.Connection, key: KeyTable) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(key.table())).scalar_one())
