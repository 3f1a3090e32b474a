"""Presenting a ``RunResult``: a terminal table or JSON. Nothing here runs a check."""

from __future__ import annotations

import json
from typing import Any

from etlq.checks.results import CheckResult, RunResult, json_value

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "not_evaluated": "SKIP"}
SAMPLE_ROWS_IN_TEXT = 5


def render_json(run: RunResult) -> str:
    return json.dumps(run.to_json(), indent=2, ensure_ascii=False) + "\n"


def _count(result: CheckResult) -> str:
    if result.failing is None:
        return "-"
    return f"{result.failing}/{result.total}" if result.total is not None else str(result.failing)


def _row(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(json_value(v), ensure_ascii=False)}" for k, v in row.items())


def _attention(result: CheckResult) -> int:
    """Passed, not evaluated, warn failures, error failures, checks that could not run."""
    if result.outcome == "failed":
        return 2 if result.severity == "warn" else 3
    return {"passed": 0, "not_evaluated": 1}.get(result.outcome, 4)


def render_text(run: RunResult, *, show_passed: bool = True) -> str:
    """One line per check (outcome, severity, failing/total, id, message), and a few failing rows
    under each failure; what needs attention last, right above the summary (the SQL is in JSON)."""
    shown = sorted((r for r in run.results if show_passed or r.outcome != "passed"), key=_attention)
    id_width = max((len(r.id) for r in shown), default=0)
    count_width = max((len(_count(r)) for r in shown), default=1)
    lines = []
    for r in shown:
        lines.append(
            f"{_MARK[r.outcome]:<5} {r.severity:<5} {_count(r):>{count_width}}  "
            f"{r.id:<{id_width}}  {r.message}"
        )
        if r.outcome == "failed" and r.sample:
            lines += [f"        {_row(row)}" for row in r.sample[:SAMPLE_ROWS_IN_TEXT]]
            if len(r.sample) > SAMPLE_ROWS_IN_TEXT:
                lines.append(
                    f"        ... {len(r.sample) - SAMPLE_ROWS_IN_TEXT} more sample rows in --format json"
                )
    s = run.summary()
    lines.append(
        f"{s['total']} checks: {s['passed']} passed, {s['failed']} failed "
        f"({s['failed_error_severity']} error, {s['failed_warn']} warn), {s['error']} errors, "
        f"{s['not_evaluated']} not evaluated [{run.engine} engine, {run.duration_s:.2f}s]"
    )
    return "\n".join(lines) + "\n"


def render(run: RunResult, fmt: str) -> str:
    return render_json(run) if fmt == "json" else render_text(run)
