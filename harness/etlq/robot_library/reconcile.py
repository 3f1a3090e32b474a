"""Keywords: reconciliation between layers, and from the raw files to staging and quarantine."""

from __future__ import annotations

from etlq.checks.sql_engine import run_checks
from etlq.errors import EtlqError
from etlq.raw import raw_reconciles
from etlq.robot_library.state import KeywordError, LibraryState, fail
from etlq.verdicts import blocking
from etlq.verdicts.text import headline


class ReconcileKeywords:
    _state: LibraryState

    def rows_should_reconcile(
        self, table: str, source: str | None = None, message: str | None = None
    ) -> None:
        """Runs the ``reconcile`` entries of ``table``'s contract (all, or those from ``source``):
        counts, sums, missing and extra keys.

        Fails with e.g. ``gold.fact_orders does not reconcile with silver.orders:
        gold.fact_orders::reconcile[from_silver.count] failed: failing count 3 (error)``.

        | Rows Should Reconcile | gold.fact_orders |
        | Rows Should Reconcile | gold.fact_orders | source=silver.orders |
        """
        contract = self._state.contract(table)
        entries = [r for r in contract.reconcile if source in (None, r.source)]
        if not entries:
            raise KeywordError(
                f"the contract of {table} has no reconcile entry" + (f" from {source}" if source else "")
            )
        select = ",".join(f"{table}::reconcile[{r.name}.*]" for r in entries)
        results = run_checks(self._state.engine, [contract], select, self._state.sample_limit).results
        failed = blocking(results)
        if failed:
            sources = ", ".join(sorted({r.source for r in entries}))
            raise fail(
                f"{table} does not reconcile with {sources}: " + "; ".join(headline(r) for r in failed),
                message,
            )

    def raw_records_should_reconcile(self, table: str, message: str | None = None) -> None:
        """Counts the records of the run date's raw files of ``table`` (a staging table) in S3 and
        compares them with the rows in ``table`` plus the rows the pipeline under test
        quarantined (where the files land comes from the pipeline too).

        Fails with e.g. ``orders on 2024-03-01: 300 raw records in 1 file(s), but 297 staged + 2
        quarantined = 299 (+1 unaccounted)``.

        | Raw Records Should Reconcile | staging.orders |
        """
        contract = self._state.contract(table)
        try:
            verdict = raw_reconciles(self._state.connected, contract)
        except EtlqError as exc:
            raise KeywordError(str(exc)) from None
        if verdict.outcome == "skipped":
            raise KeywordError(verdict.message)
        if not verdict.passed:
            raise fail(verdict.message, message)
