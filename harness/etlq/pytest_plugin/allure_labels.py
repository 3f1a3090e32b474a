"""Allure labels and attachments for one contract check (no-ops when Allure is not recording)."""

from __future__ import annotations

from pathlib import Path

import allure
import pytest
from allure_commons.utils import md5

from etlq.checks.results import CheckResult
from etlq.verdicts.text import sample_csv

SEVERITY = {"error": allure.severity_level.CRITICAL, "warn": allure.severity_level.MINOR}


def label_check(check_id: str, table: str, kind: str, severity: str, contract_path: Path | None) -> None:
    """Title = check id; epic = layer (schema), feature = table, story = check kind; the suite tree
    says the same (allure-pytest would split the node id at the ``::`` inside the check id)."""
    layer = table.split(".", 1)[0]
    allure.dynamic.title(check_id)
    allure.dynamic.epic(layer)
    allure.dynamic.feature(table)
    allure.dynamic.story(kind)
    allure.dynamic.parent_suite(layer)
    allure.dynamic.suite(table)
    allure.dynamic.sub_suite(kind)
    allure.dynamic.parameter("etlq_check", check_id)  # shown instead of the CheckSpec repr
    allure.dynamic.severity(SEVERITY.get(severity, allure.severity_level.NORMAL))
    allure.dynamic.tag(severity)
    if contract_path is not None:
        allure.dynamic.link(contract_path.resolve().as_uri(), name=f"contract {contract_path.name}")


def label_contract(table: str, contract_path: Path | None) -> None:
    """An item per contract (drift, raw reconciliation): the table is the feature."""
    allure.dynamic.feature(table)
    allure.dynamic.parameter("etlq_contract", table)
    if contract_path is not None:
        allure.dynamic.link(contract_path.resolve().as_uri(), name=f"contract {contract_path.name}")


def label_case(case_id: str, transform: str, name: str, folder: Path) -> None:
    """A golden transformation case: the transform (silver, gold) is the feature, the case the story."""
    allure.dynamic.feature(transform)
    allure.dynamic.story(name)
    allure.dynamic.parameter("etlq_golden_case", case_id)
    allure.dynamic.link(folder.resolve().as_uri(), name=f"case {case_id}")


def attach_result(result: CheckResult) -> None:
    """Failing sample rows as CSV (when the check failed) and the SQL that ran, as attachments."""
    if result.sample:
        allure.attach(
            sample_csv(result.sample), name="sample rows", attachment_type=allure.attachment_type.CSV
        )
    if result.sql:
        allure.attach(result.sql, name="SQL", attachment_type=allure.attachment_type.TEXT)


def fix_full_name(item: pytest.Item) -> None:
    """allure-pytest splits a node id at every ``::``, also at those inside a check id parameter
    (``test_contract[gold.t::unique[id]]``): the full name came out ``…test_contract[gold.t#test_contract``
    and every check of a table shared one testCaseId. Name the test by its whole node id instead."""
    path, _, rest = item.nodeid.partition("::")
    function, bracket, params = rest.partition("[")
    if "::" not in params:
        return
    listener = item.config.pluginmanager.get_plugin("allure_listener")
    if listener is None:  # Allure is not recording
        return
    result = listener.allure_logger.get_test(listener._cache.get(item.nodeid))
    if result is None:
        return
    module = path.removesuffix(".py").replace("/", ".")
    result.fullName = f"{module}#{function.replace('::', '.')}{bracket}{params}"
    result.testCaseId = md5(result.fullName)
    result.titlePath = [*path.split("/"), *function.split("::")[:-1]]
