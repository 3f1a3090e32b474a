"""The scenario killer of `etlq mutate`: the unmutated pipeline passes every scenario, and a
change only a second delivery shows (a later event that no longer updates an order's status)
is killed, naming the scenario, the oracle and the step."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from etlq.contracts import load_contracts
from etlq.local import LocalServices
from etlq.mutate.killers import ScenarioKiller
from etlq.pipeline import Pipeline

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@dataclass
class Lab:
    services: LocalServices
    timeout_ms: int = 30_000
    raw_bucket: str = "unused"
    run_dates: tuple[()] = ()

    def fresh(self, template: str) -> str:
        raise AssertionError("the scenario killer makes its own databases")


def test_scenarios_kill_what_only_a_second_delivery_shows(
    etlq_pipeline: Pipeline, etlq_local_services: LocalServices, tmp_path: Path
) -> None:
    shipped = ROOT / "testdata" / "scenarios"
    for name in ("scenarios.yml", "expected.py", "orders_across_days/scenario.yml"):  # one scenario: quicker
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shipped / name, tmp_path / name)
    killer = ScenarioKiller(tmp_path, load_contracts(ROOT / "testdata" / "contracts"))
    lab = Lab(etlq_local_services)
    assert killer.run(lab, etlq_pipeline, {}) == []
    statement = etlq_pipeline.statements()["silver.upsert_orders"]
    assert "status = EXCLUDED.status," in statement
    mutant = statement.replace("status = EXCLUDED.status,", "", 1)
    failures = killer.run(lab, etlq_pipeline, {"sql": {"silver.upsert_orders": mutant}})
    assert failures, "the mutant survived every scenario"
    assert failures[0].startswith("orders_across_days::"), failures
    assert "step 2: deliver 2024-03-02" in "\n".join(failures), failures
