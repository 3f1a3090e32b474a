"""Keywords: scenarios (deliveries across run dates) judged by the same oracles as the pytest suite."""

from __future__ import annotations

from pathlib import Path

from robot.api.deco import keyword

from etlq.errors import EtlqError
from etlq.pipeline import require
from etlq.robot_library.state import KeywordError, LibraryState, fail
from etlq.scenarios import load_scenarios
from etlq.scenarios.loader import load_settings
from etlq.scenarios.runner import ORACLES, ScenarioRun, load_expectations, run_scenario


class ScenarioKeywords:
    _state: LibraryState

    @keyword("Get Scenarios")
    def get_scenarios(self, scenarios: str = "testdata/scenarios") -> list[str]:
        """The names of the scenarios under ``scenarios`` (one folder each), sorted.

        | @{names}= | Get Scenarios |
        """
        try:
            return [s.name for s in load_scenarios(Path(scenarios))]
        except EtlqError as exc:
            raise KeywordError(str(exc)) from None

    @keyword("Scenario Should Pass")
    def scenario_should_pass(
        self,
        name: str,
        oracle: str | None = None,
        scenarios: str = "testdata/scenarios",
        message: str | None = None,
    ) -> None:
        """Runs scenario ``name`` through the pipeline under test (once per library instance) and
        fails when ``oracle`` (default: every oracle) failed at some step, naming the step, the
        table and sample rows, as ``pytest suites -m scenario`` does. Oracles: runs, nothing_lost,
        idempotent, expected, edges, incremental_equals_rebuild, order_independent.

        Only beside a local warehouse (`Set Up Local Warehouse`): a scenario writes its own
        deliveries and databases.

        | Scenario Should Pass | orders_across_days |
        | Scenario Should Pass | customer_history | oracle=idempotent |
        """
        if oracle is not None and oracle not in ORACLES:
            raise KeywordError(f"unknown oracle {oracle!r}: use one of {', '.join(ORACLES)}")
        run = self._scenario_run(name, Path(scenarios))
        failures = [
            v.message for o in ([oracle] if oracle else ORACLES) if (v := run.verdict(o)).outcome == "failed"
        ]
        if failures:
            raise fail("\n".join(failures), message)

    def _scenario_run(self, name: str, root: Path) -> ScenarioRun:
        state = self._state
        if state.services is None or state.warehouse is None:
            raise KeywordError(
                "Scenario Should Pass needs a local warehouse: use Set Up Local Warehouse first"
            )
        if name not in state.scenario_runs:
            try:
                found = {s.name: s for s in load_scenarios(root)}
                if name not in found:
                    raise KeywordError(
                        f"no scenario {name!r} under {root}: use one of {', '.join(sorted(found))}"
                    )
                settings = load_settings(root)
                pipeline = require(state.warehouse.pipeline, "Scenario Should Pass")
                state.scenario_runs[name] = run_scenario(
                    found[name],
                    settings,
                    pipeline,
                    list(state.contracts().values()),
                    state.services,
                    expectations=load_expectations(settings),
                )
            except EtlqError as exc:
                raise KeywordError(str(exc)) from None
        return state.scenario_runs[name]
