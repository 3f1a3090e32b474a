"""etlq's pytest plugin: contract checks as pytest items, Allure labels, local/deployed modes.

Registered through the ``pytest11`` entry point ``etlq.pytest_plugin.plugin``; see docs/suites.md.
What a suite (ours or a user's) imports from the plugin is exported here; the other modules of
this package are its internals. The pytest-free parts live in the library (``etlq.warehouse``,
``etlq.golden``, ``etlq.verdicts``, ``etlq.raw``).
"""

from etlq.pytest_plugin.checks import CheckUnderTest
from etlq.pytest_plugin.config import EtlqConfig
from etlq.pytest_plugin.fixtures import pipeline_under_test
from etlq.pytest_plugin.outcome import present, record_warn

__all__ = ["CheckUnderTest", "EtlqConfig", "pipeline_under_test", "present", "record_warn"]
