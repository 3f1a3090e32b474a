"""Keywords: reconciliation between layers, and from the raw files to staging and quarantine."""

from __future__ import annotations

from sqlalchemy import column, func, select, text
from sqlalchemy import table as sa_table

from etlq import aws
from etlq.checks.sql_engine import run_checks
from etlq.errors import EtlqError
from etlq.raw import raw_prefix, raw_record_counts
from etlq.robot_library.state import KeywordError, LibraryState, fail
from etlq.verdicts.text import headline

QUARANTINED = text("SELECT count(*) FROM audit.quarantine WHERE run_date = :d AND source = :s")


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
        failed = [r for r in results if r.outcome in ("failed", "error") and r.severity == "error"]
        if failed:
            sources = ", ".join(sorted({r.source for r in entries}))
            raise fail(
                f"{table} does not reconcile with {sources}: " + "; ".join(headline(r) for r in failed),
                message,
            )

    def raw_records_should_reconcile(self, table: str, message: str | None = None) -> None:
        """Counts the records of the run date's raw files of ``table`` (a staging table) in S3 and
        compares them with the rows in ``table`` plus the rows in ``audit.quarantine``.

        Fails with e.g. ``orders on 2024-03-01: 300 raw records, 297 staged + 2 quarantined (1
        unaccounted)``.

        | Raw Records Should Reconcile | staging.orders |
        """
        contract, warehouse = self._state.contract(table), self._state.warehouse
        if contract.raw_source is None:
            raise KeywordError(f"{table} loads no raw source (its contract has no raw: entry)")
        if warehouse is None or warehouse.raw_bucket is None:
            raise KeywordError(
                "no raw bucket known: pass raw_bucket to Connect To Warehouse (-v RAW_BUCKET:...), "
                "set ETLQ_RAW_BUCKET, or use Set Up Local Warehouse"
            )
        day = warehouse.run_date
        s3 = aws.client("s3", warehouse.aws_endpoint)
        try:
            files = raw_record_counts(s3, warehouse.raw_bucket, contract.raw_source, day)
        except EtlqError as exc:
            raise KeywordError(str(exc)) from None
        if not files:  # nothing to count is no evidence that every record arrived
            raise fail(
                f"{contract.raw_source} on {day}: no raw files in "
                f"s3://{warehouse.raw_bucket}/{raw_prefix(contract.raw_source, day)}",
                message,
            )
        records = sum(files.values())
        staging = sa_table(contract.name, column("run_date"), schema=contract.schema)
        staged_sql = select(func.count()).select_from(staging).where(staging.c.run_date == day)
        with warehouse.engine.connect() as conn:
            staged = int(conn.execute(staged_sql).scalar_one())
            quarantined = int(conn.execute(QUARANTINED, {"d": day, "s": contract.raw_source}).scalar_one())
        if records != staged + quarantined:
            raise fail(
                f"{contract.raw_source} on {day}: {records} raw records, {staged} staged + {quarantined} "
                f"quarantined ({records - staged - quarantined} unaccounted)",
                message,
            )
