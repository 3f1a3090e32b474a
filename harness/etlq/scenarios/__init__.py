"""Scenarios as data: ordered deliveries and operations in ``testdata/scenarios/<name>/``.

``loader`` reads and checks ``scenario.yml`` files and the folder's ``scenarios.yml`` (bad files
raise ``EtlqError``, exit 2, naming the file and the step); ``deliveries`` builds each delivery
from datagen plus the declared changes; ``runner`` runs them through the pipeline under test and
judges every step with the generic oracles of ``oracles``.
"""

from etlq.scenarios.loader import CHANGES, OPERATIONS, Scenario, Step, load_scenario, load_scenarios

__all__ = ["CHANGES", "OPERATIONS", "Scenario", "Step", "load_scenario", "load_scenarios"]
