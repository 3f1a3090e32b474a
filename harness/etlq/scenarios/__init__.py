"""Scenarios as data: ordered deliveries and operations in ``testdata/scenarios/<name>/``.

``load_scenario`` reads and checks one ``scenario.yml``; bad files raise ``EtlqError`` (exit 2)
naming the file and the step. The delivery builder and the oracles (issue 9) build on this.
"""

from etlq.scenarios.loader import CHANGES, OPERATIONS, Scenario, Step, load_scenario, load_scenarios

__all__ = ["CHANGES", "OPERATIONS", "Scenario", "Step", "load_scenario", "load_scenarios"]
