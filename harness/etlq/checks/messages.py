"""One sentence per result, saying what was found. Shared by every engine so the SQL and
GX engines word the same finding the same way; each kind writes its own (``describe``)."""

from __future__ import annotations

from typing import Any

from etlq.checks.results import CheckResult
from etlq.contracts.kinds import BY_NAME


def describe(result: CheckResult, **facts: Any) -> str:
    """``facts`` carries engine-side numbers the result fields do not hold (sums, key counts)."""
    kind = BY_NAME.get(result.spec.kind)
    return result.message if kind is None else kind.describe(result, facts)
