"""Rendering is pinned by snapshot files; ETLQ_UPDATE_SNAPSHOTS=1 rewrites them after a
deliberate change (review the diff before committing)."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from etlq.checks.render import render_json, render_text
from etlq.checks.results import CheckResult, CheckSpec, RunResult

SNAPSHOTS = Path(__file__).parent / "snapshots"


def spec(kind: str, column: str | None, severity: str = "error", **params) -> CheckSpec:
    check = f"gold.t::{kind}" if column is None else f"gold.t::{kind}[{column}]"
    return CheckSpec(check, "gold.t", kind, column, severity, params)  # type: ignore[arg-type]


RUN = RunResult(
    (
        CheckResult(
            spec("row_count", None, min=1),
            "passed",
            0,
            4,
            sql="SELECT count(*) ...",
            message="4 rows, expected >= 1",
        ),
        CheckResult(
            spec("range", "amount", min=0),
            "failed",
            2,
            4,
            sample=(
                {"id": 3, "amount": Decimal("-1.50"), "day": dt.date(2024, 1, 2)},
                {"id": 4, "amount": Decimal("-2")},
            ),
            sql="SELECT ...",
            message="2 of 4 rows with amount not >= 0",
        ),
        CheckResult(
            spec("pattern", "code", "warn", pattern="^[A-Z]+$"), "failed", 1, 4, message="1 of 4 rows ..."
        ),
        CheckResult(spec("not_null", "gone"), "error", message="column 'gone' does not exist in gold.t"),
        CheckResult(spec("freshness", "ts"), "not_evaluated", message="GX has no expectation for freshness"),
    ),
    engine="sql",
    duration_s=0.25,
)


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("ETLQ_UPDATE_SNAPSHOTS") == "1":
        path.write_text(actual)
    assert actual == path.read_text()


def test_text_rendering() -> None:
    check_snapshot("run.txt", render_text(RUN))


def test_json_rendering() -> None:
    check_snapshot("run.json", render_json(RUN))


def test_json_shape_is_the_documented_one() -> None:
    data = json.loads(render_json(RUN))
    assert list(data) == ["checks", "summary"]
    assert list(data["checks"][0]) == [
        "id",
        "table",
        "kind",
        "column",
        "severity",
        "outcome",
        "failing",
        "total",
        "sample",
        "sql",
        "message",
    ]
    assert data["summary"] == {
        "total": 5,
        "passed": 1,
        "failed": 2,
        "error": 1,
        "not_evaluated": 1,
        "failed_error_severity": 1,
        "failed_warn": 1,
    }
    assert data["checks"][1]["sample"][0] == {"id": 3, "amount": "-1.50", "day": "2024-01-02"}


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ((("passed", "error"), ("failed", "warn")), 0),
        ((("failed", "error"),), 1),
        ((("error", "error"),), 1),
        ((("error", "warn"), ("not_evaluated", "error")), 0),
    ],
)
def test_exit_code(outcomes, code: int) -> None:
    run = RunResult(
        tuple(CheckResult(spec("not_null", f"c{i}", sev), out) for i, (out, sev) in enumerate(outcomes))
    )
    assert run.exit_code() == code
