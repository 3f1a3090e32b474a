"""pytest hooks and options of etlq (the ``pytest11`` entry point). Logic lives in sibling modules."""

from __future__ import annotations

import pytest

from harness.errors import EtlqError
from harness.pytest_plugin import fixtures, outcome
from harness.pytest_plugin.checks import CHECK_FIXTURE, PLAN_KEY, check_params, load_plan
from harness.pytest_plugin.config import CONFIG_KEY, SETTINGS, read_config

MARKERS: tuple[tuple[str, str], ...] = (
    ("smoke", "every deploy: read-only, under a minute"),
    ("regression", "nightly: every contract check, reconciliation, transformation cases"),
    ("drift", "schema drift against the contracts"),
    ("completeness", "row counts, freshness, reconciliation between layers"),
    ("transformation", "golden transformation cases through the ETL's SQL"),
    ("quality", "contract checks on table contents"),
    ("slow", "takes more than a few seconds"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("etlq", "etlq data quality")
    for name, help_text, default in SETTINGS:
        dest = "etlq_" + name.replace("-", "_")
        group.addoption(f"--etlq-{name}", dest=dest, default=None, help=f"{help_text} [ini: {dest}]")
        parser.addini(dest, help_text, default=default)


def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS:
        config.addinivalue_line("markers", f"{name}: {description}")
    try:
        config.stash[CONFIG_KEY] = read_config(config)
    except EtlqError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(fixtures, "etlq-fixtures")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if CHECK_FIXTURE not in metafunc.fixturenames:
        return
    config = metafunc.config
    if PLAN_KEY not in config.stash:
        try:
            config.stash[PLAN_KEY] = load_plan(config.stash[CONFIG_KEY])
        except EtlqError as exc:  # one line, no traceback: the contract file and line say it all
            raise pytest.Collector.CollectError(str(exc)) from None
    metafunc.parametrize(CHECK_FIXTURE, check_params(config.stash[PLAN_KEY]), indirect=True)


def pytest_report_teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    return outcome.teststatus(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    warned = terminalreporter.stats.get(outcome.WARNED, [])
    if warned:
        terminalreporter.write_sep("=", f"etlq: {len(warned)} warn-severity finding(s), run not failed", yellow=True)
        for line in outcome.summary_lines(warned):
            terminalreporter.write_line(line)
