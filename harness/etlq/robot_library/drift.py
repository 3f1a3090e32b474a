"""Keywords: schema drift of live tables against their contracts."""

from __future__ import annotations

from robot.api import logger

from etlq.drift.diff import Change, DriftReport, diff_contracts
from etlq.robot_library.state import LibraryState, fail


def _line(table: str, change: Change) -> str:
    column = f" {change.column}" if change.column else ""
    return f"{table}: {change.kind}{column} (expected {change.expected}, actual {change.actual})"


class DriftKeywords:
    _state: LibraryState

    def _drift(self, table: str | None) -> DriftReport:
        contracts = [self._state.contract(table)] if table else list(self._state.contracts().values())
        report = diff_contracts(self._state.engine, contracts)
        for name, change in report.changes():
            if not change.breaking:
                logger.warn(f"non-breaking drift: {_line(name, change)}")
        return report

    def schema_should_not_drift(self, table: str | None = None, message: str | None = None) -> None:
        """Compares the live shape of ``table`` (default: every contract's table) with its contract;
        fails on a breaking change. Non-breaking changes are logged as warnings.

        Fails with e.g. ``breaking schema drift: gold.fact_orders: column_removed amount_usd
        (expected numeric(18,2), actual None)``.

        | Schema Should Not Drift | |
        | Schema Should Not Drift | gold.fact_orders |
        """
        report = self._drift(table)
        breaking = [_line(name, c) for name, c in report.changes() if c.breaking]
        if breaking:
            raise fail("breaking schema drift: " + "; ".join(breaking), message)

    def breaking_drift_count_should_be(
        self, expected: int, table: str | None = None, message: str | None = None
    ) -> None:
        """Compares the number of breaking schema changes with ``expected``.

        Fails with e.g. ``expected 0 breaking schema changes, got 2``.

        | Breaking Drift Count Should Be | 0 |
        | Breaking Drift Count Should Be | 1 | table=gold.fact_orders |
        """
        report = self._drift(table)
        if report.breaking != int(expected):
            raise fail(f"expected {int(expected)} breaking schema changes, got {report.breaking}", message)
