"""The shipped smoke suite on a warehouse etlq's ETL does not load (the shop): the contract-driven
tests run, the ETL-run tests skip with the reason instead of erroring on a missing audit table."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.database import query
from tests.plugin.support import deployed_args, outcomes

pytest_plugins = ["pytester"]
SMOKE = Path(__file__).parents[2] / "suites" / "smoke" / "test_smoke.py"


def test_smoke_on_a_foreign_warehouse_checks_what_applies(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path
) -> None:
    pytester.makepyfile(test_smoke_copy=SMOKE.read_text())
    result = pytester.runpytest("-rs", *deployed_args(shop_url, shop_contracts))
    assert outcomes(result) == {"passed": 2, "skipped": 6}
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]3[]] *no run records of pipeline 'etl': this warehouse is not loaded by it*",
            "SKIPPED [[]1[]] *no run records of pipeline 'etl': this warehouse is not loaded by it*",
            "SKIPPED [[]1[]] *no contract names a raw source*",
            "SKIPPED [[]1[]] *no contract declares a freshness check*",
        ],
        consecutive=False,
    )


def test_smoke_fails_on_breaking_drift_of_a_foreign_warehouse(
    pytester: pytest.Pytester, shop_url: str, shop_contracts: Path
) -> None:
    query(shop_url, "ALTER TABLE shop.orders DROP COLUMN amount")
    pytester.makepyfile(test_smoke_copy=SMOKE.read_text())
    result = pytester.runpytest(*deployed_args(shop_url, shop_contracts))
    assert outcomes(result) == {"passed": 1, "failed": 1, "skipped": 6}
    result.stdout.fnmatch_lines(
        ["*shop.orders: column_removed amount (expected numeric(10,2), actual None)*"]
    )
