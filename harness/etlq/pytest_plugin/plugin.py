"""pytest hooks and options of etlq (the ``pytest11`` entry point). Logic lives in sibling modules."""

from __future__ import annotations

import pytest

from etlq.errors import PYTEST_OPTIONS, EtlqError, renamed_options
from etlq.pytest_plugin import allure_labels, collect, fixtures, outcome
from etlq.pytest_plugin.config import CONFIG_KEY, SETTINGS, read_config

MARKERS: tuple[str, ...] = (
    "smoke: every deploy: read-only, under a minute",
    "regression: nightly: every contract check, reconciliation, transformation cases",
    "drift: schema drift against the contracts",
    "completeness: row counts, freshness, reconciliation between layers",
    "transformation: golden transformation cases through the ETL's SQL",
    "scenario: deliveries across run dates through the pipeline, judged by the generic oracles",
    "quality: contract checks on table contents",
    "slow: takes more than a few seconds",
    "etlq_select(*globs, exclude=''): narrow a test's etlq_check / etlq_contract / etlq_golden_case "
    "items to ids matching the globs",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("etlq", "etlq data quality")
    for name, help_text, default in SETTINGS:
        dest = "etlq_" + name.replace("-", "_")
        group.addoption(f"--etlq-{name}", dest=dest, default=None, help=f"{help_text} [ini: {dest}]")
        parser.addini(dest, help_text, default=default)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    try:
        config.stash[CONFIG_KEY] = read_config(config)
    except EtlqError as exc:
        raise pytest.UsageError(str(renamed_options(exc, PYTEST_OPTIONS))) from None
    config.pluginmanager.register(fixtures, "etlq-fixtures")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    allure_labels.fix_full_name(item)  # runs also when setup failed; before Allure's historyId


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    collect.parametrize(metafunc)


def pytest_report_teststatus(
    report: pytest.TestReport,
) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    return outcome.teststatus(report)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    warned = terminalreporter.stats.get(outcome.WARNED, [])
    if warned:
        terminalreporter.write_sep(
            "=", f"etlq: {len(warned)} warn-severity finding(s), run not failed", yellow=True
        )
        for line in outcome.summary_lines(warned):
            terminalreporter.write_line(line)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    from etlq.pytest_plugin.scheduling import TableGroupScheduling

    return TableGroupScheduling(config, log)  # type: ignore[arg-type]
