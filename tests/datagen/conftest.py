"""Fixtures for the datagen tests: the contracts, a generator run, the CLI in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from datagen_support import CONTRACTS, PROJECT_CONTRACTS, RUN_DATE, Generated

from etlq.contracts import load_contracts
from etlq.contracts.model import Contract
from etlq.datagen import GenerateOptions, generate


@pytest.fixture(scope="session")
def contracts() -> list[Contract]:
    return load_contracts(CONTRACTS)


@pytest.fixture(scope="session")
def project_contracts() -> list[Contract]:
    found = load_contracts(PROJECT_CONTRACTS) if PROJECT_CONTRACTS.is_dir() else []
    if not any(c.raw_source for c in found):
        pytest.skip("testdata/contracts has no staging contracts with raw: yet")
    return found


@pytest.fixture
def generated(tmp_path: Path, contracts: list[Contract]) -> Generated:
    """``generated(rows=..., defects=..., **options) -> out directory`` (a new one per call)."""
    calls = iter(range(1000))

    def run(contract_set: list[Contract] | None = None, **options: Any) -> Path:
        out = tmp_path / f"out{next(calls)}"
        options.setdefault("seed", 7)
        options.setdefault("run_date", RUN_DATE)
        generate(contract_set or contracts, GenerateOptions(out=str(out), **options))
        return out

    return run
