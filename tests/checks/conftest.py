"""Fixtures of the check-engine tests (the world itself is in shop_world.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from shop_world import Shop, build_shop


@pytest.fixture
def shop(fresh_database_url: str, tmp_path: Path) -> Iterator[Shop]:
    built = build_shop(fresh_database_url, tmp_path)
    yield built
    built.engine.dispose()
