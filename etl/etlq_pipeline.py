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
from etl.errors import EtlError

_JOB_RUNS = (
    "SELECT job, run_date, status, error, details, rows_in, rows_out, rows_rejected, run_id "
    "FROM audit.job_runs WHERE run_date = %s ORDER BY run_id"
)
_QUARANTINED = "SELECT source, count(*) FROM audit.quarantine WHERE run_date = %s GROUP BY source"
_QUARANTINED_RECORDS = (
    "SELECT source, source_file, line_no, reason_code, column_name FROM audit.quarantine WHERE run_date = %s "
    "ORDER BY source_file, line_no"
)
# What ingest (etl/sources.py, typed in SQL) rejects into audit.quarantine, by etlq's rule names.
_QUARANTINE_RULES = {
    "unparseable": ("bad_integer", "bad_decimal", "bad_date", "bad_timestamp", "out_of_range"),
    "null_required": ("missing_value",),
    "over_length": ("too_long",),
    "ragged_row": ("ragged_row", "malformed_csv", "bad_encoding"),
    "staging_bounds": ("negative_amount", "nonpositive_rate"),
    "unnormalized_value": ("unknown_status",),
}


def _gold_without_catalog(database_url: str, run_date: date) -> jobs.JobResult:
    return jobs.run_gold(database_url, run_date, glue_database=None)  # the Glue catalog is no transform


def _with_sql(transform: Any, sql: Mapping[str, str] | None) -> Any:
    """``transform`` run with the statements ``sql`` replaced (``db.replaced``)."""

    def run(database_url: str, run_date: date) -> Any:
        with db.replaced(sql):
            return transform(database_url, run_date)

    return run


class EtlPipeline:
    name = "etl"
    jobs = ("ingest", "silver", "quality_gate", "gold")  # as run_pipeline runs and records them
    gate = "quality_gate"
    errors = (EtlError,)

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
        options: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        suites = None if expectations is None else [dict(s) for s in expectations]
        settings = dict(options or {})
        try:
            with db.replaced(settings.pop("sql", None)):
                done = jobs.run(
                    run_date,
                    raw_bucket=raw_bucket,
                    database_url=database_url,
                    expectations=suites,
                    **settings,
                )
        except EtlError as exc:  # the jobs that ran before the failure, as plain values too
            exc.results = [job.to_dict() for job in exc.results]
            raise
        return [job.to_dict() for job in done]

    def transforms(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        sql = (options or {}).get("sql")
        return {
            "silver": _with_sql(jobs.run_silver, sql),
            "gold": _with_sql(_gold_without_catalog, sql),
        }

    def ingest(
        self, database_url: str, run_date: date, *, raw_bucket: str, options: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        with db.replaced((options or {}).get("sql")):
            return jobs.run_ingest(database_url, run_date, bucket=raw_bucket).to_dict()

    def statements(self) -> dict[str, str]:
        return db.replaceable()

    def lineage(self, run_date: date, source_file: str, line: int) -> dict[str, Any]:
        return {"run_date": run_date, "source_file": source_file, "source_line": line, "run_id": 1}

    def _query(self, database_url: str, sql: str, run_date: date | None) -> list[tuple[Any, ...]] | None:
        """Rows of ``sql``, read-only; None when the database has no audit trail of this pipeline."""
        conn = db.connect(database_url)
        try:
            conn.set_session(readonly=True)
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('audit.job_runs')")
                if cur.fetchone()[0] is None:  # not loaded by this pipeline (yet)
                    return None
                cur.execute(sql, (run_date,))
                return list(cur.fetchall())
        finally:
            conn.close()

    def loads(self, database_url: str) -> bool:
        return self._query(database_url, "SELECT %s", None) is not None

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
        rows = self._query(database_url, _JOB_RUNS, run_date) or []
        return [dict(zip(names, row, strict=True)) for row in rows]

    def quarantined(self, database_url: str, run_date: date) -> dict[str, int]:
        return {source: int(n) for source, n in self._query(database_url, _QUARANTINED, run_date) or []}

    def quarantined_records(self, database_url: str, run_date: date) -> list[dict[str, Any]]:
        rows = self._query(database_url, _QUARANTINED_RECORDS, run_date) or []
        return [{"source": s, "file": f, "line": n, "reason": r, "column": c} for s, f, n, r, c in rows]

    def quarantine_rules(self) -> dict[str, tuple[str, ...]]:
        return dict(_QUARANTINE_RULES)


pipeline = EtlPipeline()
