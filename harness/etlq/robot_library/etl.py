"""Keywords: running the pipeline under test and asserting on its own run records."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword

from etlq.errors import EtlqError
from etlq.local import run_etl
from etlq.pipeline import require
from etlq.robot_library.state import KeywordError, LibraryState, as_date, fail
from etlq.verdicts.runs import job_succeeded, latest_runs, loaded_by_pipeline


class EtlKeywords:
    _state: LibraryState

    @keyword("Run ETL For Date")
    def run_etl_for_date(self, run_date: str | None = None, gate: bool = True) -> list[dict[str, Any]]:
        """Runs the whole pipeline under test (etl/: ingest, silver, GX gate, gold) for
        ``run_date`` on the raw files of the local warehouse; returns one summary per job.
        ``gate=False`` skips the GX gate.

        Only on a local warehouse (`Set Up Local Warehouse`): a deployed one is never written to.

        | ${jobs}= | Run ETL For Date | 2024-03-01 |
        | Run ETL For Date | gate=${False} |
        """
        warehouse = self._state.warehouse
        if warehouse is None or warehouse.read_only or warehouse.raw_bucket is None:
            raise KeywordError("Run ETL For Date needs a local warehouse: use Set Up Local Warehouse first")
        day = as_date(run_date, warehouse.run_date)
        contracts = list(self._state.contracts().values())
        pipeline = require(warehouse.pipeline, "Run ETL For Date")
        try:
            return run_etl(pipeline, warehouse.url, warehouse.raw_bucket, day, contracts, gate)
        except EtlqError as exc:
            raise AssertionError(f"the ETL failed for {day}: {exc}") from None

    @keyword("Warehouse Is Loaded By ETL")
    def warehouse_is_loaded_by_etl(self) -> bool:
        """True when the pipeline under test loads this warehouse (it has its run records); on any
        other warehouse, or with no pipeline registered, the ETL-run tests do not apply.

        | ${etl}= | Warehouse Is Loaded By ETL |
        | Skip If | not ${etl} | not a warehouse loaded by the pipeline under test |
        """
        return loaded_by_pipeline(self._state.connected).passed

    @keyword("Get ETL Jobs")
    def get_etl_jobs(self) -> list[str]:
        """The jobs of the pipeline under test, in run order, the gate included (its ``jobs``;
        etl/: ingest, silver, quality_gate, gold); empty with no pipeline registered.

        | @{jobs}= | Get ETL Jobs |
        | FOR | ${job} | IN | @{jobs} |
        """
        pipeline = self._state.connected.pipeline.pipeline
        return list(pipeline.jobs) if pipeline is not None else []

    @keyword("ETL Job Should Have Succeeded")
    def etl_job_should_have_succeeded(
        self, job: str, run_date: str | None = None, message: str | None = None
    ) -> None:
        """The latest ``job`` run (etl/: ingest, silver, quality_gate, gold) for ``run_date`` in
        the pipeline's run records must have status ``succeeded``.

        Fails with ``no gold run for 2024-03-01 in the pipeline's run records`` or ``latest
        gold run for 2024-03-01 is failed: <error>``.

        | ETL Job Should Have Succeeded | ingest |
        | ETL Job Should Have Succeeded | quality_gate | 2024-03-01 |
        """
        day = as_date(run_date, self._state.run_date)
        warehouse = self._state.connected
        loaded = loaded_by_pipeline(warehouse)
        if not loaded.passed:
            raise KeywordError(f"{loaded.message} (guard the test with Warehouse Is Loaded By ETL)")
        verdict = job_succeeded(latest_runs(warehouse, day), job, day)
        if not verdict.passed:
            raise fail(verdict.message, message)
