"""What the suites and the Robot library assert, pytest-free: each shared assertion is a
function returning a ``Verdict``; the front ends only present it (pytest: pass, skip or fail;
Robot: pass, ``KeywordError`` or ``AssertionError``). ``text`` renders check failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from etlq.checks.results import CheckResult

Outcome = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Verdict:
    """One assertion's result. ``skipped``: it cannot apply here, ``message`` says why."""

    outcome: Outcome
    message: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    sample: tuple[Mapping[str, Any], ...] = ()
    sql: str | None = None

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"


def passed(message: str = "", **counts: int) -> Verdict:
    return Verdict("passed", message, counts)


def failed(message: str, **counts: int) -> Verdict:
    return Verdict("failed", message, counts)


def skipped(reason: str) -> Verdict:
    return Verdict("skipped", reason)


def blocking(results: Iterable[CheckResult]) -> list[CheckResult]:
    """The results that fail a run: error severity, failed or could not run. Warn-severity
    findings are reported, never blocking; a check that was not evaluated is not a failure."""
    return [r for r in results if r.severity == "error" and r.outcome in ("failed", "error")]
