"""``etlq etl run``: run the pipeline under test (etl/: ingest -> silver -> quality gate -> gold) locally.

Exit 0 when every job succeeded, 1 when the quality gate stopped the run before gold, 2 on a
usage, input or connection error (missing bucket, raw files, secret or database).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from etlq.errors import renamed_options

DEFAULT_CONTRACTS = "testdata/contracts"
# The ETL's errors name Glue job arguments; here the same things are this command's options.
_GLUE_TO_CLI = {"--raw_bucket": "--bucket", "--run_date": "--run-date", "--database_url": "--url"}


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("etl", help="run the production ETL locally", description=__doc__)
    etl_sub = parser.add_subparsers(dest="etl_command", required=True)
    run_parser = etl_sub.add_parser("run", help="ingest, silver, quality gate and gold for one run date")
    run_parser.add_argument(
        "--run-date", required=True, type=dt.date.fromisoformat, help="the raw partition to load, YYYY-MM-DD"
    )
    run_parser.add_argument("--url", help="database URL (default: ETLQ_DATABASE_URL or `etlq env up`'s)")
    run_parser.add_argument("--bucket", help="raw landing bucket (default: ETLQ_RAW_BUCKET or etlq-raw)")
    run_parser.add_argument(
        "--aws-endpoint", help="AWS endpoint, e.g. the moto server (default: `etlq env up`'s)"
    )
    gate = run_parser.add_mutually_exclusive_group()
    gate.add_argument(
        "--contracts",
        help=f"contracts compiled into the quality gate's GX suites (default: {DEFAULT_CONTRACTS} "
        "when it exists, else no gate)",
    )
    gate.add_argument(
        "--no-gate",
        action="store_true",
        help="skip the quality gate (e.g. to load planted defects into gold)",
    )
    run_parser.add_argument("--glue-database", default="etlq", help="Glue catalog database for gold tables")
    run_parser.add_argument("--format", choices=("text", "json"), default="text")
    run_parser.set_defaults(func=run)


@contextlib.contextmanager
def _use_endpoint(endpoint: str | None) -> Iterator[None]:
    """boto3 reads AWS_ENDPOINT_URL itself; a local endpoint (moto) accepts any credentials.
    Set for the run only, so an in-process caller (a test) keeps its environment."""
    if not endpoint:
        yield
        return
    from etlq import aws  # boto3: imported when a command runs, not when `etlq --help` does

    values = {"AWS_ENDPOINT_URL": endpoint}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):  # real keys in the environment win
        values.update(AWS_ACCESS_KEY_ID=aws.LOCAL_KEY, AWS_SECRET_ACCESS_KEY=aws.LOCAL_KEY)
    if not os.environ.get("AWS_DEFAULT_REGION"):
        values["AWS_DEFAULT_REGION"] = aws.DEFAULT_REGION
    with aws.environment(values):
        yield


def _suites(contracts_path: str | None, no_gate: bool) -> tuple[list[dict[str, Any]] | None, str | None]:
    """GX suites compiled from the contracts, or (None, why the gate is skipped)."""
    if no_gate:
        return None, "--no-gate given: quality gate skipped"
    if contracts_path is None:
        if not Path(DEFAULT_CONTRACTS).is_dir():
            return None, f"no --contracts given and no {DEFAULT_CONTRACTS}/ here: quality gate skipped"
        contracts_path = DEFAULT_CONTRACTS
    from etlq.checks.gx import compile_suites
    from etlq.contracts import load_contracts

    return compile_suites(load_contracts(contracts_path)), None


def _render_text(run_date: dt.date, jobs: list[dict[str, Any]], note: str | None, error: str | None) -> str:
    lines = [f"etl run {run_date}"]
    if note:
        lines.append(f"note: {note}")
    lines.append(
        f"  {'job':<13} {'status':<10} {'rows in':>9} {'rows out':>9} {'rejected':>9} {'seconds':>8}"
    )
    for job in jobs:
        lines.append(
            f"  {job['job']:<13} {job['status']:<10} {job['rows_in']:>9} {job['rows_out']:>9} "
            f"{job['rows_rejected']:>9} {job['seconds']:>8.2f}"
        )
    if error:
        lines.append(f"error: {error}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from etlq.env.provision import raw_bucket_name
    from etlq.env.state import resolve_aws_endpoint, resolve_database_url

    url = resolve_database_url(args.url)
    endpoint = resolve_aws_endpoint(args.aws_endpoint)
    bucket = args.bucket or raw_bucket_name()
    suites, note = _suites(args.contracts, args.no_gate)

    from etlq.pipeline import PipelineFailed, find_pipeline, require, run_pipeline

    pipeline = require(find_pipeline(), "etlq etl run")
    gate_failure: PipelineFailed | None = None
    try:
        with _use_endpoint(endpoint):
            jobs = run_pipeline(
                pipeline,
                url,
                args.run_date,
                raw_bucket=bucket,
                expectations=suites,
                options={"glue_database": args.glue_database},
            )
    except PipelineFailed as exc:
        if exc.exit_code != 1:  # bad input: one line, in this command's option names
            raise renamed_options(exc, _GLUE_TO_CLI) from None
        gate_failure, jobs = exc, [dict(job) for job in exc.results]
    error = str(gate_failure) if gate_failure else None
    if args.format == "json":
        document = {"run_date": args.run_date, "bucket": bucket, "jobs": jobs, "note": note, "error": error}
        print(json.dumps(document, indent=2, default=str))
    else:
        print(_render_text(args.run_date, jobs, note, error), end="")
    return gate_failure.exit_code if gate_failure else 0
