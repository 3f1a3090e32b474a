"""What every Glue job script does: read Glue-style arguments, run its job(s), exit.

Exit codes: 0 done, 1 the quality gate failed (gold untouched), 2 bad input (missing bucket,
files, secret or database). Errors of the last two kinds print one line on stderr, no traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from etl import pipeline
from etl.errors import EtlError, EtlInputError
from etl.glue_args import resolve_options
from etl.quality import load_suites
from etl.runner import JobResult

REQUIRED: dict[str, tuple[str, ...]] = {
    "ingest": ("JOB_NAME", "run_date", "raw_bucket"),
    "silver": ("JOB_NAME", "run_date"),
    "gold": ("JOB_NAME", "run_date"),
}
# --database_url is for running outside AWS; in Glue, --db_secret_id names the RDS secret.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "ingest": ("db_secret_id", "database_url"),
    "silver": ("db_secret_id", "database_url"),
    "gold": ("db_secret_id", "database_url", "raw_bucket", "expectations", "glue_database"),
}


def summary(result: JobResult) -> str:
    return (
        f"{result.job} {result.run_date}: {result.status} (run {result.run_id}) rows in {result.rows_in}, "
        f"out {result.rows_out}, rejected {result.rows_rejected} in {result.seconds:.2f}s"
    )


def _run(job: str, argv: Sequence[str]) -> list[JobResult]:
    options = resolve_options(argv, REQUIRED[job], OPTIONAL[job])
    run_date = pipeline.as_run_date(options["run_date"])
    url = pipeline.resolve_database_url(options.get("database_url"), options.get("db_secret_id"))
    if job == "ingest":
        return [pipeline.run_ingest(url, run_date, bucket=options["raw_bucket"])]
    if job == "silver":
        return [pipeline.run_silver(url, run_date)]
    results = []
    if "expectations" in options:
        if "raw_bucket" not in options:
            raise EtlInputError(
                "--expectations needs --raw_bucket (quality results go to s3://<raw_bucket>/quality/)"
            )
        suites = load_suites(options["expectations"])
        results.append(pipeline.run_gate(url, run_date, suites, bucket=options["raw_bucket"]))
    results.append(pipeline.run_gold(url, run_date, glue_database=options.get("glue_database", "etlq")))
    return results


def main(job: str, argv: Sequence[str] | None = None) -> int:
    """Run one Glue job; returns the process exit code."""
    try:
        results = _run(job, list(sys.argv if argv is None else argv))
    except EtlError as exc:
        print(f"etl {job}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    for result in results:
        print(summary(result))
    return 0
