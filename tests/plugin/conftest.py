"""Fixtures for running the etlq plugin inside pytest (pytester) on the shop world (``shop.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugin.shop import create_shop, write_contract


@pytest.fixture
def shop_url(fresh_database_url: str) -> str:
    """A database holding ``shop.orders``."""
    create_shop(fresh_database_url)
    return fresh_database_url


@pytest.fixture
def shop_contracts(pytester: pytest.Pytester) -> Path:
    """``contracts/shop/orders.yml`` in the pytester folder."""
    return write_contract(pytester.path / "contracts")


@pytest.fixture
def check_module(pytester: pytest.Pytester) -> Path:
    """The one-line contract suite a QE engineer writes."""
    return pytester.makepyfile(
        test_contracts="""
        def test_contract(etlq_check):
            etlq_check.verify()
        """
    )
