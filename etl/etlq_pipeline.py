"""etl/ as the pipeline etlq tests (the methods of ``etlq.pipeline.Pipeline``).

Structural: nothing here imports etlq, so the production ETL keeps no dependency on its tests.
Registered under the ``etlq.pipelines`` entry point as ``etl``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from etl import aws, db
from etl import pipeline as jobs

_JOB_RUNS = (
    "SELECT job, run_date, status, error, details, rows_in, rows_out, rows_rejected, run_id "
    "FROM audit.job_runs WHERE run_date = %s ORDER BY run_id"
)
_QUARANTINED = "SELECT source, count(*) FROM audit.quarantine WHERE run_date = %s GROUP BY source"


def _gold_without_catalog(database_url: str, run_date: date) -> jobs.JobResult:
    return jobs.run_gold(database_url, run_date, glue_database=None)  # the Glue catalog is no transform


class EtlPipeline:
    name = "etl"

    def raw_prefix(self, source: str, run_date: date) -> str:
        return aws.raw_prefix(source, run_date)

    def prepare(self, database_url: str) -> None:
        conn = db.connect(database_url)
        try:
            db.ensure_schema(conn)
        finally:
            conn.close()

    def run(
        self,
        database_url: str,
        run_date: date,
        *,
        raw_bucket: str,
        expectations: Sequence[Mapping[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        suites = None if expectations is None else [dict(s) for s in expectations]
        done = jobs.run(run_date, raw_bucket=raw_bucket, database_url=database_url, expectations=suites)
        return [job.to_dict() for job in done]

    def transforms(self) -> dict[str, Any]:
        return {"silver": jobs.run_silver, "gold": _gold_without_catalog}

    def _query(self, database_url: str, sql: str, run_date: date) -> list[tuple[Any, ...]]:
        conn = db.connect(database_url)
        try:
            conn.set_session(readonly=True)
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('audit.job_runs')")
                if cur.fetchone()[0] is None:  # not loaded by this pipeline (yet)
                    return []
                cur.execute(sql, (run_date,))
                return list(cur.fetchall())
        finally:
            conn.close()

    def job_runs(self, database_url: str, run_date: date) -> list[dict[str, Any]]:
        names = (
            "job",
            "run_date",
            "status",
            "error",
            "details",
            "rows_in",
            "rows_out",
            "rows_rejected",
            "run_id",
        )
        return [dict(zip(names, row, strict=True)) for row in self._query(database_url, _JOB_RUNS, run_date)]

    def quarantined(self, database_url: str, run_date: date) -> dict[str, int]:
        return {source: int(n) for source, n in self._query(database_url, _QUARANTINED, run_date)}


pipeline = EtlPipeline()
