"""The library as Robot sees it: keyword names, argument conversion, failure texts, libdoc."""

from __future__ import annotations

import io
import re
from pathlib import Path

from robot.api import ExecutionResult
from robot.libdoc import libdoc
from robot.libdocpkg import LibraryDocumentation
from robot.run import run as robot_run

from tests.plugin.shop import create_shop, write_contract

SUITE = """\
*** Settings ***
Library    etlq.robot_library.EtlqLibrary    contracts=${CONTRACTS}
Suite Setup    Connect To Warehouse    ${URL}
Suite Teardown    Disconnect From Warehouse

*** Test Cases ***
Unique Keys
    Check Should Pass    shop.orders::unique[order_id]
    Check Failing Count Should Be    shop.orders::range[amount]    1

Statuses
    Check Should Pass    shop.orders::accepted_values[status]

Statuses With A Message
    Check Failing Count Should Be    shop.orders::accepted_values[status]    0
    ...    message=statuses must be clean

Whole Table
    Table Should Match Contract    shop.orders

Unknown Check
    Check Should Pass    shop.orders::unique[nope]
"""


def test_suite_outcomes_and_messages(fresh_database_url: str, tmp_path: Path) -> None:
    create_shop(fresh_database_url)
    contracts = write_contract(tmp_path / "contracts")
    (tmp_path / "shop.robot").write_text(SUITE)
    rc = robot_run(
        str(tmp_path / "shop.robot"),
        variable=[f"URL:{fresh_database_url}", f"CONTRACTS:{contracts}"],
        outputdir=str(tmp_path), log="NONE", report="NONE", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    tests = {t.name: (t.status, t.message) for t in ExecutionResult(str(tmp_path / "output.xml")).suite.tests}
    assert rc == 4
    assert tests == {
        "Unique Keys": ("PASS", ""),
        "Statuses": ("FAIL", "shop.orders::accepted_values[status] failed: 2 of 5 rows failing (error)"),
        "Statuses With A Message": ("FAIL", "statuses must be clean"),
        "Whole Table": (
            "FAIL",
            "shop.orders does not match its contract: 1 of 5 checks failed: "
            "shop.orders::accepted_values[status] (2 failing)",
        ),
        "Unknown Check": (
            "FAIL",
            "no check shop.orders::unique[nope] in the contract of shop.orders; "
            "did you mean shop.orders::unique[order_id]?",
        ),
    }


def test_libdoc_documents_every_keyword_with_an_example(tmp_path: Path) -> None:
    assert libdoc("etlq.robot_library.EtlqLibrary", str(tmp_path / "EtlqLibrary.html")) == 0
    html = (tmp_path / "EtlqLibrary.html").read_text()
    assert "Table Should Match Contract" in html and "Run ETL For Date" in html
    spec = LibraryDocumentation("etlq.robot_library.EtlqLibrary")
    names = [kw.name for kw in spec.keywords]
    row = r"^\|( [$@]\{{\w+\}}= \|)? {} \|"  # | Keyword | args |, or | ${x}= | Keyword | args |
    without_example = [
        kw.name for kw in spec.keywords if not re.search(row.format(re.escape(kw.name)), kw.doc, re.M)
    ]
    assert without_example == [], f"keywords whose doc has no example row: {without_example}"
    assertions = [kw for kw in spec.keywords if "Should" in kw.name]
    assert len(assertions) == 9 and len(names) == 19
    assert all(kw.args.argument_names[-1] == "message" for kw in assertions)


def test_loops_over_tables_check_every_table() -> None:
    """A FOR loop of assertions stops at its first failure unless the test continues on failure:
    `Every Table Matches Its Contract` reported one bad table and hid the others."""
    from robot.api import TestSuiteBuilder

    suite = TestSuiteBuilder().build(str(Path(__file__).resolve().parents[2] / "robot"))
    looping = [
        test
        for child in suite.suites
        for test in child.tests
        if any(step.type == "FOR" for step in test.body)
    ]
    assert len(looping) >= 4
    stopping = [t.name for t in looping if "robot:continue-on-failure" not in t.tags]
    assert stopping == []


def test_shipped_suites_on_a_warehouse_etl_does_not_load(fresh_database_url: str, tmp_path: Path) -> None:
    """robot/ against someone else's warehouse: what cannot apply skips with the reason, the
    contract-driven tests still run (the shop's planted bad status fails its contract)."""
    create_shop(fresh_database_url)
    contracts = write_contract(tmp_path / "contracts")
    rc = robot_run(
        str(Path(__file__).resolve().parents[2] / "robot"),
        variable=[f"URL:{fresh_database_url}", f"CONTRACTS:{contracts}"],
        outputdir=str(tmp_path), log="NONE", report="NONE", stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    tests = {
        t.name: (t.status, t.message) for t in ExecutionResult(str(tmp_path / "output.xml")).suite.all_tests
    }
    assert rc == 1
    assert tests == {
        "Every Table Matches Its Contract": (
            "FAIL",
            "shop.orders does not match its contract: 1 of 5 checks failed: "
            "shop.orders::accepted_values[status] (2 failing)",
        ),
        "Raw Records Reach Staging Or Quarantine": (
            "SKIP",
            "no contract names a raw source (raw: {source: ...})",
        ),
        "Layers Reconcile": ("SKIP", "no contract declares reconcile entries"),
        "No Schema Drift At All": ("PASS", ""),
        "A Rerun Of The Run Date Changes Nothing": ("SKIP", "a deployed warehouse is never written to"),
        "Scenarios Across Deliveries Pass": (
            "SKIP",
            "scenarios write their own deliveries and databases: local mode only",
        ),
        "Warehouse Answers": ("PASS", ""),
        "No Breaking Schema Drift": ("PASS", ""),
        "Every Job Of The Run Succeeded": (
            "SKIP",
            "no run records: this warehouse is not loaded by the pipeline under test (or none is registered)",
        ),
        "Staging Holds Rows For The Run Date": (
            "SKIP",
            "no contract names a raw source (raw: {source: ...})",
        ),
        "Facts Are Joined To Their Dimensions": (
            "SKIP",
            "no contract for gold.fact_orders: not etl/'s warehouse",
        ),
    }
