"""Scenarios: the ETL under test across deliveries. Each ``testdata/scenarios/<name>/scenario.yml``
is run once per worker through the pipeline (datagen's rows plus the declared changes, step by
step); every oracle is an item ``<scenario>::<oracle>`` with an Allure step per step of the
scenario. Adding a scenario is adding a folder (README, "Writing a new case").
"""

from __future__ import annotations

import json

import allure
import pytest

from etlq.scenarios.runner import ScenarioRun

pytestmark = [pytest.mark.regression, allure.epic("scenarios")]


def test_scenario(etlq_scenario_oracle: tuple[ScenarioRun, str]) -> None:
    run, oracle = etlq_scenario_oracle
    for label, verdict in run.verdicts(oracle):
        with allure.step(f"{label}: {verdict.outcome}"):
            allure.attach(verdict.message, name=oracle, attachment_type=allure.attachment_type.TEXT)
    for delivery in run.deliveries:
        allure.attach(
            json.dumps(delivery.manifest(), indent=1, ensure_ascii=False),
            name=f"step {delivery.step} manifest",
            attachment_type=allure.attachment_type.JSON,
        )
    verdict = run.verdict(oracle)
    if verdict.outcome == "skipped":
        pytest.skip(verdict.message)
    if verdict.outcome == "failed":
        pytest.fail(verdict.message, pytrace=False)
