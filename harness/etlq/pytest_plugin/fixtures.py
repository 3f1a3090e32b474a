"""Fixtures the plugin provides to every suite (registered by ``plugin.pytest_configure``).

``etlq_warehouse`` is the database the suites check: in ``deployed`` mode the one at
``--etlq-url``, opened read-only; in ``local`` mode a database of this xdist worker, loaded with
generated clean data through the pipeline under test. ``etlq_pipeline`` is that pipeline (a
test that needs it skips, saying how to register one, when there is none). Everything
session-scoped is per xdist worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etlq.checks.results import CheckSpec
from etlq.contracts import Contract
from etlq.errors import PYTEST_OPTIONS, EtlqError, renamed_options
from etlq.golden.cases import GoldenCase
from etlq.local import LocalServices, loaded_warehouse, local_services
from etlq.pipeline import Found, Pipeline, find_pipeline, missing
from etlq.pytest_plugin.allure_labels import label_case, label_contract
from etlq.pytest_plugin.checks import CheckUnderTest, Plan, TableResults, selected_specs, session_plan
from etlq.pytest_plugin.config import CONFIG_KEY, EtlqConfig
from etlq.scenarios.loader import load_settings
from etlq.scenarios.runner import ScenarioRun, load_expectations, run_scenario
from etlq.warehouse import Warehouse, deployed_warehouse


@pytest.fixture(scope="session")
def etlq_config(pytestconfig: pytest.Config) -> EtlqConfig:
    """The frozen settings read from ``--etlq-*`` options and ``etlq_*`` ini keys."""
    return pytestconfig.stash[CONFIG_KEY]


@pytest.fixture(scope="session")
def etlq_plan(pytestconfig: pytest.Config) -> Plan:
    """Contracts and their checks (loaded once per session; at collection when a suite uses them)."""
    return session_plan(pytestconfig)


@pytest.fixture(scope="session")
def etlq_contracts(etlq_plan: Plan) -> list[Contract]:
    """Every contract under ``--etlq-contracts``, parents first."""
    return list(etlq_plan.contracts.values())


@contextlib.contextmanager
def _setup(what: str) -> Iterator[None]:
    """A user-fixable setup problem (no server, bad URL, ETL refused input) as one line, no traceback."""
    try:
        yield
    except EtlqError as exc:  # the pipeline's own errors arrive as etlq.pipeline.PipelineFailed
        # "from None": the report shows this one line, not the chain it came from
        raise pytest.fail.Exception(
            f"{what}: {renamed_options(exc, PYTEST_OPTIONS)}", pytrace=False
        ) from None


def pipeline_under_test(config: pytest.Config) -> Found:
    """The pipeline under test, or none (``Found.pipeline is None``) and why; usable at
    collection too (``pytest_generate_tests``: a test per job of the pipeline)."""
    try:
        return find_pipeline(config.stash[CONFIG_KEY].pipeline, "--etlq-pipeline")
    except EtlqError as exc:
        raise pytest.fail.Exception(f"cannot load the pipeline under test: {exc}", pytrace=False) from None


@pytest.fixture(scope="session")
def etlq_found_pipeline(pytestconfig: pytest.Config) -> Found:
    """The pipeline under test, or none (``Found.pipeline is None``) and why."""
    return pipeline_under_test(pytestconfig)


@pytest.fixture(scope="session")
def etlq_pipeline(etlq_found_pipeline: Found) -> Pipeline:
    """The pipeline under test (``etlq.pipeline.Pipeline``); skips the test when none is registered."""
    if etlq_found_pipeline.pipeline is None:
        pytest.skip(missing(etlq_found_pipeline, "this test"))
    return etlq_found_pipeline.pipeline


@pytest.fixture(scope="session")
def etlq_local_services() -> Iterator[LocalServices]:
    """This worker's own PostgreSQL server and moto server (boto3 pointed at moto meanwhile)."""
    with _setup("cannot start the local PostgreSQL and moto servers"), local_services() as services:
        yield services


@pytest.fixture(scope="session")
def etlq_warehouse(request: pytest.FixtureRequest, etlq_config: EtlqConfig) -> Iterator[Warehouse]:
    """The database under test (see module docstring)."""
    cfg = etlq_config
    found: Found = request.getfixturevalue("etlq_found_pipeline")
    if cfg.mode == "deployed":
        with (
            _setup("cannot open the deployed warehouse"),
            deployed_warehouse(cfg.url, cfg.run_date, cfg.aws_endpoint, cfg.raw_bucket, found) as warehouse,
        ):
            yield warehouse
        return
    services: LocalServices = request.getfixturevalue("etlq_local_services")
    contracts = request.getfixturevalue("etlq_contracts")
    with (
        _setup(f"cannot build the local warehouse for {cfg.run_date}"),
        loaded_warehouse(services, contracts, cfg.run_date, found, rows=cfg.rows, seed=cfg.seed) as warehouse,
    ):
        yield warehouse


@pytest.fixture(scope="session")
def etlq_defect_warehouse(request: pytest.FixtureRequest, etlq_config: EtlqConfig) -> Iterator[Warehouse]:
    """Local only: a second database loaded from data with planted defects (``--etlq-defects``)."""
    cfg = etlq_config
    if cfg.mode == "deployed":
        pytest.skip(
            "planted defects load generated data: run with --etlq-mode=local (deployed mode never writes)"
        )
    services: LocalServices = request.getfixturevalue("etlq_local_services")
    contracts = request.getfixturevalue("etlq_contracts")
    found: Found = request.getfixturevalue("etlq_found_pipeline")
    with (
        _setup(f"cannot load the planted-defect data for {cfg.run_date}"),
        loaded_warehouse(
            services,
            contracts,
            cfg.run_date,
            found,
            rows=cfg.rows,
            seed=cfg.seed + 1,
            defects=cfg.defects,
            gate=False,
            label="defects",
        ) as warehouse,
    ):
        yield warehouse


@pytest.fixture(scope="session")
def etlq_engine(etlq_warehouse: Warehouse, request: pytest.FixtureRequest) -> Engine:
    """SQLAlchemy engine on the database under test (read-only in deployed mode)."""
    results = request.config.getoption("allure_report_dir", None)
    if results:  # the Allure report's Environment panel
        from etlq import allure_env
        from etlq.env.state import safe_url

        w = etlq_warehouse
        target = safe_url(w.url) if w.mode == "deployed" else "local: an embedded PostgreSQL per worker"
        allure_env.write_properties(
            Path(results),
            {
                **allure_env.database_properties(w.engine, target),
                "etlq.mode": w.mode,
                "run.date": w.run_date.isoformat(),
                "etlq.version": allure_env.etlq_version(),
                "git.revision": allure_env.git_revision(request.config.rootpath),
            },
        )
    return etlq_warehouse.engine


@pytest.fixture
def etlq_scratch_database_url(etlq_local_services: LocalServices) -> Iterator[str]:
    """An empty database on this worker's local server, dropped after the test (any mode)."""
    name, url = etlq_local_services.new_database("scratch")
    yield url
    etlq_local_services.pg.drop_database(name)


@pytest.fixture(scope="session")
def etlq_results(
    request: pytest.FixtureRequest, etlq_engine: Engine, etlq_plan: Plan, etlq_config: EtlqConfig
) -> TableResults:
    """Per-table check results: each table's selected checks run in one scan, on first use."""
    return TableResults(
        etlq_engine, etlq_plan, selected_specs(request.session.items), etlq_config.sample_limit
    )


@pytest.fixture
def etlq_check(
    request: pytest.FixtureRequest, etlq_results: TableResults, etlq_config: EtlqConfig
) -> CheckUnderTest:
    """The contract check this item stands for (one item per check id); call ``.verify()``."""
    spec: CheckSpec = request.param
    contract = etlq_results.plan.contracts.get(spec.table)
    return CheckUnderTest(
        spec=spec,
        result=etlq_results.result(spec),
        contract_path=contract.path if contract else None,
        warn_policy=etlq_config.warn,
        node=request.node,
    )


@pytest.fixture
def etlq_contract(request: pytest.FixtureRequest) -> Contract:
    """The contract this item stands for (one item per contract, id = schema.table)."""
    contract: Contract = request.param
    label_contract(contract.table, contract.path)
    return contract


@pytest.fixture
def etlq_golden_case(request: pytest.FixtureRequest) -> GoldenCase:
    """The golden transformation case this item stands for (id = ``<transform>/<case>``)."""
    case: GoldenCase = request.param
    label_case(case.id, case.transform, case.name, case.path)
    return case


@pytest.fixture(scope="session")
def etlq_scenario_runs() -> dict[str, ScenarioRun]:
    """Scenario runs of this worker by scenario name, each run once on first use."""
    return {}


@pytest.fixture
def etlq_scenario_oracle(
    request: pytest.FixtureRequest, etlq_config: EtlqConfig, etlq_scenario_runs: dict[str, ScenarioRun]
) -> tuple[ScenarioRun, str]:
    """The scenario this item stands for, run through the pipeline under test (once per worker),
    and the oracle the item judges (id ``<scenario>::<oracle>``). Skips in deployed mode: a
    scenario writes its own deliveries and databases."""
    scenario, oracle = request.param
    label_case(f"{scenario.name}::{oracle}", "scenarios", scenario.name, scenario.path.parent)
    if etlq_config.mode != "local":
        pytest.skip(
            "scenarios load their own deliveries through the pipeline into databases they create: "
            "run them in local mode (--etlq-mode=local); a deployed database is only read"
        )
    if scenario.name not in etlq_scenario_runs:
        pipeline: Pipeline = request.getfixturevalue("etlq_pipeline")
        services: LocalServices = request.getfixturevalue("etlq_local_services")
        settings = load_settings(etlq_config.scenarios)
        with _setup(f"scenario {scenario.name}"):
            etlq_scenario_runs[scenario.name] = run_scenario(
                scenario,
                settings,
                pipeline,
                request.getfixturevalue("etlq_contracts"),
                services,
                seed=etlq_config.seed,
                expectations=load_expectations(settings),
            )
    return etlq_scenario_runs[scenario.name], oracle
