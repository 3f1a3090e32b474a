"""A small production-like source database (plus one with awkward names) for the sanitize tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sanitize_support import KEY, SHOP, query


@pytest.fixture(scope="session")
def source_url(pg_server: Any) -> Iterator[str]:
    name = f"etlq_sanitize_src_{uuid.uuid4().hex[:6]}"
    url = pg_server.create_database(name)
    query(url, SHOP)  # no bind parameters: % in SHOP is modulo
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def mask_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ETLQ_MASK_KEY", KEY)
    return KEY
