"""Text a person reads when a check fails: failing count, a small table of sample rows, the SQL.

Rendering only; the result itself comes from ``etlq.checks`` untouched.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from etlq.checks.results import CheckResult
from etlq.contracts.kinds import BY_NAME

MAX_CELL = 40


def _cell(value: Any) -> str:
    text = "NULL" if value is None else str(value)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def sample_table(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as an aligned text table with a header; empty string when there are no rows."""
    if not rows:
        return ""
    columns = list(rows[0].keys())
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def sample_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV with a header (the Allure attachment)."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def headline(result: CheckResult) -> str:
    """One line: what failed and how badly."""
    if result.outcome in ("error", "not_evaluated"):
        return f"{result.id} {result.outcome.replace('_', ' ')}: {result.message}".rstrip(": ")
    if BY_NAME[result.kind].aggregate:  # failing is a difference or a 0/1 flag, not a row count
        return f"{result.id} failed: failing count {_count(result.failing)} ({result.severity})"
    failing, total = _count(result.failing), _count(result.total)
    return f"{result.id} failed: {failing} of {total} rows failing ({result.severity})"


def failure_text(result: CheckResult) -> str:
    """Headline, the engine's message, up to ``len(sample)`` sample rows and the SQL that ran."""
    parts = [headline(result)]
    if result.message and result.outcome == "failed":
        parts.append(result.message)
    if result.sample:
        shown = len(result.sample)
        more = f" of {result.failing}" if (result.failing or 0) > shown else ""
        unit = "row" if shown == 1 and not more else "rows"
        parts.append(f"sample ({shown}{more} {unit}):\n" + textwrap.indent(sample_table(result.sample), "  "))
    if result.sql:
        parts.append("SQL:\n" + textwrap.indent(result.sql.strip(), "  "))
    return "\n".join(parts)
