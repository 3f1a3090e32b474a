"""Keywords: contract checks on one table or one check id."""

from __future__ import annotations

import difflib

from robot.api import logger

from etlq.checks.plan import plan_contract
from etlq.checks.results import CheckResult, CheckSpec
from etlq.checks.sql_engine import run_checks
from etlq.robot_library.state import KeywordError, LibraryState, fail
from etlq.verdicts import blocking
from etlq.verdicts.text import failure_text, headline


class CheckKeywords:
    _state: LibraryState

    def _spec(self, check_id: str) -> CheckSpec:
        table = check_id.split("::", 1)[0]
        specs = {s.id: s for s in plan_contract(self._state.contract(table))}
        if check_id not in specs:
            hint = difflib.get_close_matches(check_id, specs, n=1)
            suffix = f"; did you mean {hint[0]}?" if hint else ""
            raise KeywordError(f"no check {check_id} in the contract of {table}{suffix}")
        return specs[check_id]

    def _run(self, table: str, select: str | None = None) -> list[CheckResult]:
        contract = self._state.contract(table)
        results = run_checks(self._state.engine, [contract], select, self._state.sample_limit).results
        for result in results:
            if not result.passed:
                logger.info(failure_text(result))
        return list(results)

    def table_should_match_contract(self, table: str, message: str | None = None) -> None:
        """Runs every check of ``table``'s contract; fails when an error-severity check fails or
        cannot run. Warn-severity findings are logged as warnings and do not fail.

        Fails with e.g. ``gold.fact_orders does not match its contract: 1 of 17 checks failed:
        gold.fact_orders::unique[order_id] (2 failing)``.

        | Table Should Match Contract | gold.fact_orders |
        | Table Should Match Contract | gold.fact_orders | message=fact table is broken |
        """
        results = self._run(table)
        for result in results:
            if not result.passed and result.severity == "warn":
                logger.warn(headline(result))
        failed = blocking(results)
        if failed:
            listed = ", ".join(
                f"{r.id} ({r.failing if r.outcome == 'failed' else 'error'} failing)" for r in failed
            )
            summary = f"{len(failed)} of {len(results)} checks failed"
            raise fail(f"{table} does not match its contract: {summary}: {listed}", message)

    def check_should_pass(self, check_id: str, message: str | None = None) -> None:
        """Runs one check by its id (``<schema>.<table>::<kind>[<column>]``) and fails unless it passed.

        Fails with the check's headline, e.g. ``gold.fact_orders::unique[order_id] failed: 2 of 10
        rows failing (error)``; the sample rows and SQL are in the log.

        | Check Should Pass | gold.fact_orders::unique[order_id] |
        | Check Should Pass | gold.fact_orders::foreign_key[customer_id] | message=orphans in facts |
        """
        spec = self._spec(check_id)
        [result] = self._run(spec.table, select=spec.id)
        if not result.passed:
            raise fail(headline(result), message)

    def check_failing_count_should_be(self, check_id: str, expected: int, message: str | None = None) -> None:
        """Runs one check and compares its failing count with ``expected``.

        Fails with e.g. ``gold.fact_orders::unique[order_id]: expected 0 failing, got 2``.

        | Check Failing Count Should Be | staging.orders::range[amount] | 0 |
        | Check Failing Count Should Be | gold.fact_orders::foreign_key[order_date,currency] | 1 |
        """
        spec = self._spec(check_id)
        [result] = self._run(spec.table, select=spec.id)
        if result.outcome == "error":
            raise fail(headline(result), message)
        if result.failing != int(expected):
            raise fail(f"{check_id}: expected {int(expected)} failing, got {result.failing}", message)
