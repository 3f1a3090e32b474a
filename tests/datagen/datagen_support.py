"""Constants and readers shared by the datagen tests (imported by name: conftest modules collide)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
# A small contract set of the same domain, stable whatever happens to testdata/contracts.
CONTRACTS = HERE / "contracts"
PROJECT_CONTRACTS = HERE.parents[1] / "testdata" / "contracts"
RUN_DATE = dt.date(2024, 3, 1)
Generated = Callable[..., Path]


def raw_file(out: Path, source: str, ext: str = "csv") -> Path:
    return out / "raw" / source / f"run_date={RUN_DATE}" / f"{source}.{ext}"


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows; every row is one physical line (generated values hold no newline)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [next(csv.reader(io.StringIO(line))) for line in lines]
    return rows[0], rows[1:]


def manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))
