"""The reliability suite (``pytest -m reliability``): faults, bad input, concurrency, secrets,
hostile contracts. Every test here is marked ``reliability``; the ETL fixtures are the ETL tests'."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "etl"))  # etl_support, as tests/etl imports it

from tests.etl.conftest import db, etl_database, land, land_day, run_etl, s3  # noqa: E402, F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.reliability)
