"""Fixtures the plugin provides to every suite (registered by ``plugin.pytest_configure``).

``etlq_warehouse`` is the database the suites check: in ``deployed`` mode the one at
``--etlq-url``, opened read-only; in ``local`` mode a database of this xdist worker, loaded with
generated clean data through the real ETL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from harness.checks.results import CheckSpec
from harness.contracts import Contract
from harness.pytest_plugin.checks import PLAN_KEY, CheckUnderTest, Plan, TableResults, load_plan, selected_specs
from harness.pytest_plugin.config import CONFIG_KEY, EtlqConfig
from harness.pytest_plugin.warehouse import Warehouse, open_warehouse


@pytest.fixture(scope="session")
def etlq_config(pytestconfig: pytest.Config) -> EtlqConfig:
    """The frozen settings read from ``--etlq-*`` options and ``etlq_*`` ini keys."""
    return pytestconfig.stash[CONFIG_KEY]


@pytest.fixture(scope="session")
def etlq_plan(pytestconfig: pytest.Config, etlq_config: EtlqConfig) -> Plan:
    """Contracts and their checks (loaded once per session, at collection when a suite uses them)."""
    if PLAN_KEY not in pytestconfig.stash:
        pytestconfig.stash[PLAN_KEY] = load_plan(etlq_config)
    return pytestconfig.stash[PLAN_KEY]


@pytest.fixture(scope="session")
def etlq_contracts(etlq_plan: Plan) -> list[Contract]:
    """Every contract under ``--etlq-contracts``, parents first."""
    return list(etlq_plan.contracts.values())


@pytest.fixture(scope="session")
def etlq_warehouse(etlq_config: EtlqConfig, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The database under test (see module docstring); closed, and in local mode dropped, at the end."""
    with open_warehouse(etlq_config, tmp_path_factory.mktemp("etlq-local")) as warehouse:
        yield warehouse


@pytest.fixture(scope="session")
def etlq_engine(etlq_warehouse: Warehouse) -> Engine:
    """SQLAlchemy engine on the database under test (read-only in deployed mode)."""
    return etlq_warehouse.engine


@pytest.fixture(scope="session")
def etlq_results(request: pytest.FixtureRequest, etlq_engine: Engine, etlq_plan: Plan) -> TableResults:
    """Per-table check results, each table's selected checks run in one scan on first use."""
    return TableResults(etlq_engine, etlq_plan, selected_specs(request.session.items))


@pytest.fixture
def etlq_check(request: pytest.FixtureRequest, etlq_results: TableResults, etlq_config: EtlqConfig) -> CheckUnderTest:
    """The contract check this test item stands for; call ``.verify()``."""
    spec: CheckSpec = request.param
    contract = etlq_results.plan.contracts.get(spec.table)
    return CheckUnderTest(
        spec=spec,
        result=etlq_results.result(spec),
        contract_path=contract.path if contract else None,
        warn_policy=etlq_config.warn,
        node=request.node,
    )
