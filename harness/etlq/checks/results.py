"""What a check is (``CheckSpec``) and what running it gave (``CheckResult``, ``RunResult``).

Frozen data only: engines build these, renderers (``etlq.checks.render``, the pytest
plugin, Robot, Allure) present them. Nothing here touches a database.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

from etlq.contracts.kinds import KIND_NAMES
from etlq.contracts.model import Severity

Outcome = Literal["passed", "failed", "error", "not_evaluated"]
KINDS: tuple[str, ...] = KIND_NAMES  # the check kinds, from their registry
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CheckSpec:
    """One check derived from a contract; ``id`` is ``<schema>.<table>::<kind>[<column>]``.

    ``column`` is the column, ``"a,b"`` for compound keys, the rule name for expressions,
    ``"<name>.<aspect>"`` for reconcile, None for row_count. ``params`` holds what the engine
    needs (values, bounds, referenced table, ...), in plain Python values.
    """

    id: str
    table: str
    kind: str
    column: str | None
    severity: Severity
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def columns(self) -> tuple[str, ...]:
        """The key columns of unique/foreign_key checks, else the single column (if any)."""
        if "columns" in self.params:
            return tuple(self.params["columns"])
        return () if self.column is None else (self.column,)


@dataclass(frozen=True)
class CheckResult:
    spec: CheckSpec
    outcome: Outcome
    failing: int | None = None
    total: int | None = None
    sample: tuple[dict[str, Any], ...] = ()
    sql: str = ""
    message: str = ""
    duration_s: float = 0.0

    # the spec's fields, flat, so a result reads like the rows of a report
    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def table(self) -> str:
        return self.spec.table

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def column(self) -> str | None:
        return self.spec.column

    @property
    def severity(self) -> Severity:
        return self.spec.severity

    @property
    def params(self) -> Mapping[str, Any]:
        return self.spec.params

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def with_(self, **changes: Any) -> CheckResult:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "table": self.table,
            "kind": self.kind,
            "column": self.column,
            "severity": self.severity,
            "outcome": self.outcome,
            "failing": self.failing,
            "total": self.total,
            "sample": [{k: json_value(v) for k, v in row.items()} for row in self.sample],
            "sql": self.sql,
            "message": self.message,
        }


@dataclass(frozen=True)
class RunResult:
    results: tuple[CheckResult, ...]
    engine: str = "sql"
    duration_s: float = 0.0

    def summary(self) -> dict[str, int]:
        counts = {"total": len(self.results)} | {outcome: 0 for outcome in OUTCOMES}
        for result in self.results:
            counts[result.outcome] += 1
        failed = [r for r in self.results if r.outcome == "failed"]
        counts["failed_error_severity"] = sum(r.severity == "error" for r in failed)
        counts["failed_warn"] = sum(r.severity == "warn" for r in failed)
        return counts

    def exit_code(self) -> int:
        """1 when an error-severity check failed or could not run (error), else 0."""
        blocking = [r for r in self.results if r.severity == "error" and r.outcome in ("failed", "error")]
        return 1 if blocking else 0

    def by_id(self) -> dict[str, CheckResult]:
        return {r.id: r for r in self.results}

    def to_json(self) -> dict[str, Any]:
        return {"checks": [r.to_json() for r in self.results], "summary": self.summary()}


def json_value(value: Any) -> Any:
    """A sample value as JSON: exact decimals as text, dates ISO, bytes base64."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):  # as text: a JSON number would round numeric(38,10)
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, dt.timedelta)):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)
