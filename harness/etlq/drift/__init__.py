"""Schema drift: the live catalog against contracts or a saved snapshot (see docs/drift.md)."""

from etlq.drift.catalog import Catalog, LiveColumn, LiveTable, read_catalog, read_snapshot, write_snapshot
from etlq.drift.diff import (
    Change,
    DriftReport,
    TableDrift,
    diff_catalogs,
    diff_contracts,
    diff_snapshot,
    diff_table,
    expected_shape,
    save_snapshot,
)

__all__ = [
    "Catalog",
    "Change",
    "DriftReport",
    "LiveColumn",
    "LiveTable",
    "TableDrift",
    "diff_catalogs",
    "diff_contracts",
    "diff_snapshot",
    "diff_table",
    "expected_shape",
    "read_catalog",
    "read_snapshot",
    "save_snapshot",
    "write_snapshot",
]
