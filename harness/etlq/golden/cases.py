"""Golden transformation cases: ``testdata/cases/<transform>/<case>/`` read from files.

A case folder holds ``case.yml`` (transform, run_date, tolerance, order_key, description),
``input/<schema>.<table>.csv`` (rows loaded before the transform runs) and
``expected/<schema>.<table>.csv`` (what those tables must hold after it). Only the columns an
expected file names are compared; an empty cell is NULL. Adding a case = adding a folder.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from etlq.errors import EtlqError

CASE_FILE = "case.yml"
CASE_KEYS = frozenset({"transform", "description", "run_date", "tolerance", "order_key"})


@dataclass(frozen=True)
class GoldenCase:
    transform: str
    name: str  # the case folder's name
    path: Path
    run_date: dt.date
    tolerance: Decimal
    order_key: Mapping[str, tuple[str, ...]]  # expected table -> key columns ("*" applies to all)
    description: str
    inputs: tuple[Path, ...]
    expected: tuple[Path, ...]

    @property
    def id(self) -> str:
        return f"{self.transform}/{self.name}"

    def key_of(self, table: str, columns: Sequence[str]) -> tuple[str, ...]:
        return self.order_key.get(table) or self.order_key.get("*") or tuple(columns)


def table_of(csv_path: Path) -> str:
    """``input/staging.orders.csv`` -> ``staging.orders``."""
    return csv_path.stem


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    """Header and rows; an empty cell is None (NULL)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
        return list(reader.fieldnames or []), rows


def _fail(path: Path, message: str) -> EtlqError:
    return EtlqError(f"{path}: {message}", f"see {CASE_FILE} in an existing case under testdata/cases")


def load_case(folder: Path) -> GoldenCase:
    spec_path = folder / CASE_FILE
    try:
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(spec_path, f"cannot read: {exc}") from None
    if not isinstance(spec, dict):
        raise _fail(spec_path, "must be a mapping")
    unknown = sorted(set(spec) - CASE_KEYS)
    if unknown:
        raise _fail(
            spec_path, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(CASE_KEYS))}"
        )
    if spec.get("transform") != folder.parent.name:
        raise _fail(
            spec_path, f"transform {spec.get('transform')!r} must equal the folder {folder.parent.name!r}"
        )
    try:
        run_date = dt.date.fromisoformat(str(spec["run_date"]))
        tolerance = Decimal(str(spec.get("tolerance", 0)))
    except (KeyError, ValueError, InvalidOperation) as exc:
        raise _fail(spec_path, f"run_date (YYYY-MM-DD) and tolerance (number) are required: {exc}") from None
    key = spec.get("order_key") or {}
    order_key = {"*": tuple(key)} if isinstance(key, list) else {t: tuple(c) for t, c in key.items()}
    expected = tuple(sorted((folder / "expected").glob("*.csv")))
    if not expected:
        raise _fail(folder, "has no expected/<schema>.<table>.csv")
    return GoldenCase(
        transform=spec["transform"],
        name=folder.name,
        path=folder,
        run_date=run_date,
        tolerance=tolerance,
        order_key=order_key,
        description=str(spec.get("description", "")).strip(),
        inputs=tuple(sorted((folder / "input").glob("*.csv"))),
        expected=expected,
    )


def load_cases(root: Path) -> list[GoldenCase]:
    """Every ``<transform>/<case>/case.yml`` under ``root``, sorted by id."""
    return [load_case(p.parent) for p in sorted(root.glob(f"*/*/{CASE_FILE}"))]


@dataclass(frozen=True)
class TableDiff:
    table: str
    key: tuple[str, ...]
    missing: tuple[dict[str, Any], ...]  # expected rows with no actual row of that key
    extra: tuple[dict[str, Any], ...]  # actual rows with no expected row of that key
    changed: tuple[tuple[tuple[Any, ...], str, Any, Any], ...]  # (key, column, expected, actual)

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.changed)


def _same(expected: Any, actual: Any, tolerance: Decimal) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    numbers = (Decimal, int, float)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        return abs(Decimal(str(expected)) - Decimal(str(actual))) <= tolerance
    return bool(expected == actual)


def diff_rows(
    table: str,
    key: Sequence[str],
    expected: Sequence[Mapping[str, Any]],
    actual: Sequence[Mapping[str, Any]],
    tolerance: Decimal = Decimal(0),
) -> TableDiff:
    """Row-level diff on ``key``; numbers within ``tolerance`` are equal."""

    def keyed(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[Any, ...], Mapping[str, Any]]:
        return {tuple(r[k] for k in key): r for r in rows}

    want, have = keyed(expected), keyed(actual)
    changed = []
    for k in want.keys() & have.keys():
        for column, value in want[k].items():
            if not _same(value, have[k].get(column), tolerance):
                changed.append((k, column, value, have[k].get(column)))
    return TableDiff(
        table,
        tuple(key),
        tuple(dict(want[k]) for k in sorted(want.keys() - have.keys(), key=repr)),
        tuple(dict(have[k]) for k in sorted(have.keys() - want.keys(), key=repr)),
        tuple(sorted(changed, key=repr)),
    )


def render_diff(diff: TableDiff, limit: int = 20) -> str:
    """What differs, in rows a person can read: missing, extra, changed cells."""
    lines = [
        f"{diff.table} (key {', '.join(diff.key)}): {len(diff.missing)} missing, "
        f"{len(diff.extra)} extra, {len(diff.changed)} changed cell(s)"
    ]
    for row in diff.missing[:limit]:
        lines.append(f"  missing  {_fmt_row(row)}")
    for row in diff.extra[:limit]:
        lines.append(f"  extra    {_fmt_row(row)}")
    for key, column, want, got in diff.changed[:limit]:
        lines.append(f"  changed  {_fmt_key(diff.key, key)} {column}: expected {_fmt(want)}, got {_fmt(got)}")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _fmt_row(row: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in row.items())


def _fmt_key(columns: Sequence[str], values: Sequence[Any]) -> str:
    return ", ".join(f"{c}={_fmt(v)}" for c, v in zip(columns, values, strict=True))
