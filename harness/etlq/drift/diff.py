"""Drift: the expected shape of tables (a contract, or a saved snapshot) against the live
catalog. The report is frozen data; ``to_json`` is the ``etlq drift --format json`` output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine

from etlq.connect import connected
from etlq.contracts.model import Contract, ForeignKey
from etlq.drift.catalog import Catalog, LiveColumn, LiveTable, read_catalog, read_snapshot, write_snapshot
from etlq.drift.rules import (
    added_column_is_breaking,
    nullability_change_is_breaking,
    type_change_is_breaking,
)

ChangeKind = Literal[
    "table_missing",
    "column_added",
    "column_removed",
    "type_changed",
    "nullability_changed",
    "primary_key_changed",
    "foreign_key_changed",
]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    column: str | None
    expected: Any
    actual: Any
    breaking: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TableDrift:
    table: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class DriftReport:
    tables: tuple[TableDrift, ...]

    def changes(self) -> Iterator[tuple[str, Change]]:
        for table in self.tables:
            for change in table.changes:
                yield table.table, change

    @property
    def breaking(self) -> int:
        return sum(change.breaking for _, change in self.changes())

    @property
    def non_breaking(self) -> int:
        return sum(not change.breaking for _, change in self.changes())

    def exit_code(self) -> int:
        return 1 if self.breaking else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "tables": [{"table": t.table, "changes": [c.to_json() for c in t.changes]} for t in self.tables],
            "breaking": self.breaking,
            "non_breaking": self.non_breaking,
        }


def expected_shape(contract: Contract) -> LiveTable:
    """A contract as the shape it promises; primary-key columns are NOT NULL by definition."""
    columns = tuple(
        LiveColumn(c.name, c.type, c.nullable and c.name not in contract.primary_key)
        for c in contract.columns
    )
    return LiveTable(contract.table, columns, contract.primary_key, contract.all_foreign_keys())


def _spelled(fk: ForeignKey) -> str:
    return f"{fk.ref_table}({', '.join(fk.ref_columns)})"


def _described(col: LiveColumn) -> str:
    return col.type + ("" if col.nullable else " not null") + (" with default" if col.has_default else "")


def _null_word(nullable: bool) -> str:
    return "nullable" if nullable else "not null"


def same_type(expected: str, actual: str) -> bool:
    """Equal, or ``actual`` is ``expected`` schema-qualified: a contract may name a user-defined
    type (enum, domain, extension type) without its schema; the catalog always qualifies it."""
    return expected == actual or ("." not in expected and actual.endswith("." + expected))


def diff_table(expected: LiveTable, actual: LiveTable | None) -> tuple[Change, ...]:
    """Every difference between the expected and the live shape, each with its breaking flag."""
    if actual is None:
        return (Change("table_missing", None, "table", None, True),)
    changes: list[Change] = []
    for want in expected.columns:
        have = actual.column(want.name)
        if have is None:
            changes.append(Change("column_removed", want.name, want.type, None, True))
            continue
        if not same_type(want.type, have.type):
            breaking = type_change_is_breaking(want.type, have.type)
            changes.append(Change("type_changed", want.name, want.type, have.type, breaking))
        if have.nullable != want.nullable:
            breaking = nullability_change_is_breaking(want.nullable, have.nullable)
            changes.append(
                Change(
                    "nullability_changed",
                    want.name,
                    _null_word(want.nullable),
                    _null_word(have.nullable),
                    breaking,
                )
            )
    for have in actual.columns:
        if expected.column(have.name) is None:
            breaking = added_column_is_breaking(have.nullable, have.has_default)
            changes.append(Change("column_added", have.name, None, _described(have), breaking))
    if expected.primary_key != actual.primary_key:
        # a key appearing where none was promised breaks nobody; a changed or dropped one does
        changes.append(
            Change(
                "primary_key_changed",
                ",".join(expected.primary_key) or None,
                list(expected.primary_key),
                list(actual.primary_key),
                bool(expected.primary_key),
            )
        )
    for fk in expected.foreign_keys:
        if fk not in actual.foreign_keys:
            changes.append(Change("foreign_key_changed", ",".join(fk.columns), _spelled(fk), None, True))
    for fk in actual.foreign_keys:
        if fk not in expected.foreign_keys:
            changes.append(Change("foreign_key_changed", ",".join(fk.columns), None, _spelled(fk), False))
    return tuple(changes)


def diff_contracts(bind: Engine | Connection | str, contracts: Iterable[Contract]) -> DriftReport:
    """Each contract's promised shape against the live table."""
    contracts = sorted(contracts, key=lambda c: c.table)
    with connected(bind) as conn:
        catalog = read_catalog(conn, tables=[c.table for c in contracts])
    return DriftReport(
        tuple(TableDrift(c.table, diff_table(expected_shape(c), catalog.get(c.table))) for c in contracts)
    )


def diff_catalogs(expected: Catalog, actual: Catalog) -> DriftReport:
    return DriftReport(
        tuple(TableDrift(name, diff_table(expected[name], actual.get(name))) for name in sorted(expected))
    )


def diff_snapshot(
    bind: Engine | Connection | str, snapshot: Path | str | Catalog, schemas: Sequence[str] = ()
) -> DriftReport:
    """The live tables against a snapshot saved earlier (``save_snapshot``), optionally only ``schemas``."""
    baseline = read_snapshot(snapshot) if isinstance(snapshot, (str, Path)) else snapshot
    if schemas:
        baseline = {name: t for name, t in baseline.items() if name.split(".", 1)[0] in schemas}
    with connected(bind) as conn:
        live = read_catalog(conn, tables=baseline)
    return diff_catalogs(baseline, live)


def save_snapshot(bind: Engine | Connection | str, scope: Iterable[str], path: Path | str) -> Catalog:
    """Write the live shape of the tables in ``scope`` to ``path`` (JSON) and return it.

    ``scope`` entries are schemas (``gold``: every table in it) or tables (``gold.fact_orders``).
    """
    entries = list(scope)
    with connected(bind) as conn:
        catalog = read_catalog(
            conn, tables=[e for e in entries if "." in e], schemas=[e for e in entries if "." not in e]
        )
    write_snapshot(catalog, path)
    return catalog
