"""etlq's pytest plugin: contract checks as pytest items, Allure labels, local/deployed modes.

Registered through the ``pytest11`` entry point ``etlq.pytest_plugin.plugin``; see docs/suites.md.
"""
