"""Keywords: running the ETL and asserting on its audit trail (``audit.job_runs``)."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword
from sqlalchemy import text

from etl.errors import EtlError
from harness.pytest_plugin.local import run_etl
from harness.robot_library.state import KeywordError, LibraryState, as_date, fail

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
        with self._state.engine.connect() as conn:
            row = conn.execute(LATEST_RUN, {"job": job, "d": day}).mappings().first()
        if row is None:
            raise fail(f"no {job} run for {day} in audit.job_runs", message)
        if row["status"] != "succeeded":
            reason = row["error"] or (row["details"] or {}).get("skipped") or "no reason recorded"
            raise fail(f"latest {job} run for {day} is {row['status']}: {reason}", message)
