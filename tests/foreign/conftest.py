"""A database nobody working on etlq designed (schema.sql), and the contracts a newcomer gets
from ``etlq contract init`` on it. The source database and the drafts are shared by the
session (read-only tests); tests that change the database load their own copy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from foreign_support import MASK_KEY, SCHEMA_SQL, SCHEMAS, Drafts, etlq, query


@pytest.fixture(scope="session")
def foreign_url(pg_server: Any) -> Iterator[str]:
    """The foreign database, loaded once; tests must not change it."""
    name = f"etlq_foreign_{uuid.uuid4().hex[:6]}"
    url = pg_server.create_database(name)
    query(url, SCHEMA_SQL)
    yield url
    pg_server.drop_database(name)


@pytest.fixture
def fresh_foreign_url(fresh_database_url: str) -> str:
    """A copy of the foreign database for this test alone (it may alter or break it)."""
    query(fresh_database_url, SCHEMA_SQL)
    return fresh_database_url


@pytest.fixture(scope="session")
def drafts(foreign_url: str, tmp_path_factory: pytest.TempPathFactory) -> Drafts:
    out = tmp_path_factory.mktemp("foreign-contracts")
    runs = {
        schema: etlq("contract", "init", "--url", foreign_url, "--schema", schema, "--out", str(out))
        for schema in SCHEMAS
    }
    return Drafts(out, runs)


@pytest.fixture
def mask_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ETLQ_MASK_KEY", MASK_KEY)
    return MASK_KEY
