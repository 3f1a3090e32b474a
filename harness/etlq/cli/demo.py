"""``etlq demo``: the whole loop on a throwaway local environment, in about a minute.

1. start an embedded PostgreSQL and a moto server (S3, Glue, Secrets Manager, SNS, CloudWatch);
2. generate clean raw files from the contracts for two consecutive run dates and land them in S3;
3. run the pipeline under test for both dates (etl/: ingest -> silver -> GX quality gate -> gold);
4. run the smoke and regression suites read-only against the loaded warehouse, exactly as CI
   runs them against a deployment, writing Allure results;
5. generate the Allure HTML report, print a summary and stop everything.

Exit 0 when every error-severity check passed, 1 when one failed, 2 on a setup problem.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from etlq.errors import EtlqError

if TYPE_CHECKING:  # the CLI imports every command module at start: keep heavy imports lazy
    from etlq.contracts import Contract
    from etlq.local import LocalServices
    from etlq.pipeline import Pipeline

RAW_BUCKET = "etlq-raw"
DATABASE = "etlq_demo"
PROJECT = Path(__file__).resolve().parents[3]  # the checkout: suites/ and pytest.ini live here
DAY_SEED_STEP = 1  # day 2 uses another seed, so customers change attributes (SCD2 history)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "demo",
        help="run the ETL and the suites on a throwaway local environment",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--contracts",
        type=Path,
        default=Path("testdata/contracts"),
        help="contracts folder (default testdata/contracts)",
    )
    parser.add_argument(
        "--run-date",
        type=dt.date.fromisoformat,
        default=None,
        help="the second run date, YYYY-MM-DD (default: today, UTC); the first is the day before",
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=2000,
        help="generated order events per day; customers and FX rates are sized from it (default 2000)",
    )
    parser.add_argument("--seed", type=int, default=7, help="datagen seed (default 7)")
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("reports/allure-results"),
        help="Allure results folder, emptied first (default reports/allure-results)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=Path("reports/allure-report"),
        help="Allure report folder (default reports/allure-report)",
    )
    parser.set_defaults(func=run)


def _step(message: str) -> float:
    print(f"==> {message}", flush=True)
    return time.perf_counter()


def _load(
    services: LocalServices,
    pipeline: Pipeline,
    contracts: list[Contract],
    days: list[dt.date],
    rows: int,
    seed: int,
) -> str:
    """A new database with ``days`` of generated data loaded through the pipeline; its URL.

    A run the pipeline fails raises ``PipelineFailed`` (its exit code: 1 for a stopped quality gate).
    """
    from etlq import aws
    from etlq.local import generate_raw, run_etl

    url = services.pg.create_database(DATABASE)
    aws.client("s3", services.aws_endpoint).create_bucket(Bucket=RAW_BUCKET)
    for offset, day in enumerate(days):
        started = _step(
            f"generate {rows} order events (customers, FX rates to match) for {day} into s3://{RAW_BUCKET}/"
        )
        generate_raw(pipeline, contracts, RAW_BUCKET, day, rows, seed + offset * DAY_SEED_STEP)
        results = run_etl(pipeline, url, RAW_BUCKET, day, contracts)
        jobs = ", ".join(
            f"{r['job']} {r['status']} ({r.get('rows_out')} "
            f"{'expectations' if r['job'] == 'quality_gate' else 'rows'})"
            for r in results
        )
        print(f"    etl {day}: {jobs} [{time.perf_counter() - started:.1f}s]")
    return url


def _suites(url: str, endpoint: str, run_date: dt.date, contracts: Path, results: Path) -> int:
    """The smoke and regression suites, read-only against the demo database, as a deployed run."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "suites",
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-m",
        "smoke or regression",
        "--etlq-mode=deployed",
        f"--etlq-url={url}",
        f"--etlq-aws-endpoint={endpoint}",
        f"--etlq-raw-bucket={RAW_BUCKET}",
        f"--etlq-run-date={run_date}",
        f"--etlq-contracts={contracts}",
        f"--alluredir={results}",
        "--clean-alluredir",
    ]
    # The planted-defect tests and the scenarios load their own data, which deployed mode never
    # does (they would only skip here); `make test` runs them in local mode.
    command += ["--deselect", "suites/regression/test_planted_defects.py"]
    command += ["--deselect", "suites/regression/test_scenarios.py"]
    proc = subprocess.run(command, cwd=PROJECT, check=False, capture_output=True, text=True)
    tail = [line for line in proc.stdout.splitlines() if line.strip()][-1:]
    print(f"    pytest: {tail[0] if tail else 'no output'}")
    if proc.returncode not in (0, 1):
        print(proc.stdout[-4000:] + proc.stderr[-2000:], file=sys.stderr)
        raise EtlqError(
            f"the suites could not run (pytest exit {proc.returncode})",
            "run `pytest suites -m smoke -x` to see why",
        )
    return proc.returncode


def run(args: argparse.Namespace) -> int:
    from etlq.contracts import load_contracts
    from etlq.local import local_services
    from etlq.pipeline import find_pipeline, require
    from etlq.report import find_allure, generate_report

    if args.rows < 1:
        raise EtlqError(f"--rows must be at least 1, got {args.rows}", "pass e.g. --rows 2000")
    second = args.run_date or dt.datetime.now(dt.UTC).date()
    days = [second - dt.timedelta(days=1), second]
    if not (PROJECT / "suites").is_dir():
        raise EtlqError(
            f"no suites/ folder in {PROJECT}", "run `etlq demo` from an etlq checkout (`make demo`)"
        )
    args.contracts, args.results = args.contracts.resolve(), args.results.resolve()
    contracts = load_contracts(args.contracts)
    pipeline = require(find_pipeline(), "etlq demo")
    find_allure()  # fail before doing any work when `make allure` has not run
    begun = time.perf_counter()
    _step("start embedded PostgreSQL and the moto server")
    with local_services() as services:
        url = _load(services, pipeline, contracts, days, args.rows, args.seed)
        _step(f"run the smoke and regression suites against {DATABASE} (run date {second})")
        code = _suites(url, services.aws_endpoint, second, args.contracts, args.results)
        _step("stop PostgreSQL and moto")
    summary = generate_report(args.results, args.report)
    counts = ", ".join(f"{n} {status}" for status, n in summary.statuses.items())
    print(f"\netlq demo: {'PASSED' if code == 0 else 'FAILED'} in {time.perf_counter() - begun:.0f}s")
    print(f"  checks : {counts}")
    print(f"  report : {summary.index.resolve()}")
    return code
