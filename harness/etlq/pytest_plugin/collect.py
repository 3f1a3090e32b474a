"""Items generated from files at collection: a test that asks for one of these fixtures gets one
item per contract check, contract or golden case, with the check id / table / case id as its id.

``@pytest.mark.etlq_select("gold.*", exclude="*::reconcile[*]")`` narrows a test's items by
glob (the syntax of ``etlq check --select``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from etlq.checks.plan import matches, split_globs
from etlq.contracts.kinds import BY_NAME
from etlq.errors import PYTEST_OPTIONS, EtlqError, renamed_options
from etlq.golden.cases import GoldenCase, load_cases
from etlq.pytest_plugin.checks import CHECK_FIXTURE, session_plan
from etlq.pytest_plugin.config import CONFIG_KEY
from etlq.scenarios import Scenario, load_scenarios
from etlq.scenarios.runner import ORACLES

CONTRACT_FIXTURE = "etlq_contract"
CASE_FIXTURE = "etlq_golden_case"
SCENARIO_FIXTURE = "etlq_scenario_oracle"
SELECT_MARKER = "etlq_select"
CASES_KEY = pytest.StashKey[list[GoldenCase]]()


def _check_params(config: pytest.Config) -> list[tuple[str, Any, tuple[Any, ...]]]:
    params = []
    for spec in session_plan(config).specs:
        category = pytest.mark.completeness if BY_NAME[spec.kind].aggregate else pytest.mark.quality
        params.append((spec.id, spec, (pytest.mark.xdist_group(spec.table), category)))
    return params


def _contract_params(config: pytest.Config) -> list[tuple[str, Any, tuple[Any, ...]]]:
    return [(table, contract, ()) for table, contract in session_plan(config).contracts.items()]


def _case_params(config: pytest.Config) -> list[tuple[str, Any, tuple[Any, ...]]]:
    if CASES_KEY not in config.stash:
        config.stash[CASES_KEY] = load_cases(config.stash[CONFIG_KEY].cases)
    return [(case.id, case, (pytest.mark.transformation,)) for case in config.stash[CASES_KEY]]


SCENARIOS_KEY = pytest.StashKey[list[Scenario]]()


def _scenario_params(config: pytest.Config) -> list[tuple[str, Any, tuple[Any, ...]]]:
    """One item per scenario and oracle (``<scenario>::<oracle>``); a scenario's items share a
    worker, which runs the scenario once."""
    if SCENARIOS_KEY not in config.stash:
        folder = config.stash[CONFIG_KEY].scenarios
        config.stash[SCENARIOS_KEY] = load_scenarios(folder) if folder.is_dir() else []
    return [
        (f"{s.name}::{oracle}", (s, oracle), (pytest.mark.scenario, pytest.mark.xdist_group(f"scn:{s.name}")))
        for s in config.stash[SCENARIOS_KEY]
        for oracle in ORACLES
    ]


SOURCES: dict[str, Callable[[pytest.Config], list[tuple[str, Any, tuple[Any, ...]]]]] = {
    CHECK_FIXTURE: _check_params,
    CONTRACT_FIXTURE: _contract_params,
    CASE_FIXTURE: _case_params,
    SCENARIO_FIXTURE: _scenario_params,
}


def _selected(ident: str, marks: Sequence[pytest.Mark]) -> bool:
    for mark in marks:
        include = split_globs(",".join(mark.args)) if mark.args else ["*"]
        exclude = split_globs(mark.kwargs.get("exclude", ""))
        if not matches(ident, include) or (exclude and matches(ident, exclude)):
            return False
    return True


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Parametrize every generated fixture ``metafunc`` asks for; a bad contract or case file is a
    one-line collection error naming the file and line."""
    marks = list(metafunc.definition.iter_markers(SELECT_MARKER))
    for name, source in SOURCES.items():
        if name not in metafunc.fixturenames:
            continue
        try:
            found = source(metafunc.config)
        except EtlqError as exc:
            raise pytest.Collector.CollectError(str(renamed_options(exc, PYTEST_OPTIONS))) from None
        params = [
            pytest.param(value, id=ident, marks=m) for ident, value, m in found if _selected(ident, marks)
        ]
        metafunc.parametrize(name, params, indirect=True)
