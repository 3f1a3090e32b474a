"""The WARN outcome: a warn-severity finding that is reported, visibly, but never fails the run.

The test passes and carries ``("etlq_warn", text)`` in ``user_properties`` (which xdist sends to
the controller); ``pytest_report_teststatus`` then reports it as ``W`` / ``WARN`` and the
terminal summary lists each warned test with its text.
"""

from __future__ import annotations

import allure
import pytest

from etlq.verdicts import Verdict

WARN_PROPERTY = "etlq_warn"
WARNED = "warned"  # the terminal reporter's stats category: "3 passed, 2 warned"


def record_warn(node: pytest.Item, text: str) -> None:
    """Mark the running test as WARN with ``text`` (shown in the summary and in Allure)."""
    node.user_properties.append((WARN_PROPERTY, text))
    allure.dynamic.tag("WARN")
    allure.dynamic.description(text)


def warn_text(report: pytest.TestReport) -> str | None:
    for key, value in report.user_properties:
        if key == WARN_PROPERTY:
            return str(value)
    return None


def teststatus(report: pytest.TestReport) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    if report.when == "call" and report.passed and warn_text(report) is not None:
        return WARNED, "W", ("WARN", {"yellow": True})
    return None


def summary_lines(reports: list[pytest.TestReport]) -> list[str]:
    """One block per warned test: node id, then its text indented."""
    lines = []
    for report in reports:
        text = warn_text(report) or ""
        lines.append(f"WARN {report.nodeid}")
        lines += ["    " + line for line in text.splitlines()]
    return lines


def present(verdict: Verdict) -> None:
    """A library verdict (``etlq.verdicts``) as this test's outcome: pass, skip (it cannot apply
    here; the reason is the verdict's message) or fail with the message, no traceback."""
    __tracebackhide__ = True
    if verdict.outcome == "skipped":
        pytest.skip(verdict.message)
    if not verdict.passed:
        pytest.fail(verdict.message, pytrace=False)
