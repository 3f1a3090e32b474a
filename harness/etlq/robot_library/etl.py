"""Keywords: running the ETL and asserting on its audit trail (``audit.job_runs``)."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword
from sqlalchemy import text

from etl.errors import EtlError
from etlq.local import run_etl
from etlq.robot_library.state import KeywordError, LibraryState, as_date, fail

LATEST_RUN = text(
    "SELECT status, error, details FROM audit.job_runs WHERE job = :job AND run_date = :d "
    "ORDER BY run_id DESC LIMIT 1"
)


class EtlKeywords:
    _state: LibraryState

    @keyword("Run ETL For Date")
    def run_etl_for_date(self, run_date: str | None = None, gate: bool = True) -> list[dict[str, Any]]:
        """Runs the whole ETL (ingest, silver, GX gate, gold) for ``run_date`` on the raw files of
        the local warehouse; returns one summary per job. ``gate=False`` skips the GX gate.

        Only on a local warehouse (`Set Up Local Warehouse`): a deployed one is never written to.

        | ${jobs}= | Run ETL For Date | 2024-03-01 |
        | Run ETL For Date | gate=${False} |
        """
        warehouse = self._state.warehouse
        if warehouse is None or warehouse.read_only or warehouse.raw_bucket is None:
            raise KeywordError("Run ETL For Date needs a local warehouse: use Set Up Local Warehouse first")
        day = as_date(run_date, warehouse.run_date)
        contracts = list(self._state.contracts().values())
        try:
            jobs = run_etl(warehouse.url, warehouse.raw_bucket, day, contracts, gate=gate)
        except EtlError as exc:
            raise AssertionError(f"the ETL failed for {day}: {exc}") from None
        return [job.to_dict() for job in jobs]

    @keyword("Warehouse Is Loaded By ETL")
    def warehouse_is_loaded_by_etl(self) -> bool:
        """True when the warehouse has etl/'s audit trail (``audit.job_runs``); on any other
        warehouse the ETL-run tests do not apply.

        | ${etl}= | Warehouse Is Loaded By ETL |
        | Skip If | not ${etl} | not a warehouse loaded by etl/ |
        """
        with self._state.engine.connect() as conn:
            return conn.execute(text("SELECT to_regclass('audit.job_runs')")).scalar_one() is not None

    @keyword("ETL Job Should Have Succeeded")
    def etl_job_should_have_succeeded(
        self, job: str, run_date: str | None = None, message: str | None = None
    ) -> None:
        """The latest ``job`` run (ingest, silver, quality_gate, gold) for ``run_date`` in
        ``audit.job_runs`` must have status ``succeeded``.

        Fails with ``no gold run for 2024-03-01 in audit.job_runs`` or ``latest gold run for
        2024-03-01 is failed: <error>``.

        | ETL Job Should Have Succeeded | ingest |
        | ETL Job Should Have Succeeded | quality_gate | 2024-03-01 |
        """
        day = as_date(run_date, self._state.run_date)
        if not self.warehouse_is_loaded_by_etl():
            raise KeywordError(
                "no audit.job_runs table: this warehouse is not loaded by etl/ "
                "(guard the test with Warehouse Is Loaded By ETL)"
            )
        with self._state.engine.connect() as conn:
            row = conn.execute(LATEST_RUN, {"job": job, "d": day}).mappings().first()
        if row is None:
            raise fail(f"no {job} run for {day} in audit.job_runs", message)
        if row["status"] != "succeeded":
            reason = row["error"] or (row["details"] or {}).get("skipped") or "no reason recorded"
            raise fail(f"latest {job} run for {day} is {row['status']}: {reason}", message)
