"""``etlq check``: run every contract's checks against a database and report.

Exit 0 when every error-severity check passed, 1 when one failed (or could not run), 2 on a
usage, contract or connection error.
"""

from __future__ import annotations

import argparse
import sys

from etlq.cli.publish import add_publish_options
from etlq.errors import EtlqError
from etlq.export.files import write_atomic

DEFAULT_CONTRACTS = "testdata/contracts"


def database_url(explicit: str | None) -> str:
    """``--url``, else ``ETLQ_DATABASE_URL``, else the URL ``etlq env up`` wrote."""
    from etlq.env.state import resolve_database_url

    return resolve_database_url(explicit)


def write_output(text: str, out: str | None) -> None:
    """Print, or write ``out`` atomically (never a half-written report)."""
    if out is None:
        print(text, end="")
        return
    write_atomic(out, text)


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("check", help="run the contracts' checks against a database", description=__doc__)
    parser.add_argument("--url", help="database URL (default: ETLQ_DATABASE_URL or `etlq env up`'s)")
    parser.add_argument("--contracts", default=DEFAULT_CONTRACTS, help="contract directory or file")
    parser.add_argument(
        "--engine", choices=("sql", "gx"), default="sql", help="fused SQL (default) or Great Expectations"
    )
    parser.add_argument("--select", help="comma-separated globs on check ids, e.g. 'gold.*,*::unique[*]'")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--out", help="write the report to this file instead of stdout")
    parser.add_argument(
        "--sample-limit", type=int, default=20, help="failing rows kept per check (default 20)"
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="also send the results to S3, an SNS alert on failure, CloudWatch metrics (as `etlq publish`); "
        "the exit code stays the checks'",
    )
    parser.add_argument(
        "--history",
        metavar="URL",
        help="metrics history store: postgresql://u:p@host/db?schema=etlq_history, s3://bucket/prefix, "
        "file:///path.jsonl or a path "
        "(default: ETLQ_HISTORY, else .etlq/history.jsonl); never the checked database",
    )
    parser.add_argument(
        "--run-date", help="the run date the metrics are recorded under (default: today, UTC)"
    )
    parser.add_argument(
        "--no-record", action="store_true", help="judge anomalies against the history but record nothing"
    )
    add_publish_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from etlq.checks.render import render
    from etlq.contracts import load_contracts

    contracts = load_contracts(args.contracts)
    if not contracts:
        raise EtlqError(f"{args.contracts}: no contract files (*.yml) found", "pass --contracts DIR")
    if args.sample_limit < 0:
        raise EtlqError(f"--sample-limit must be >= 0, got {args.sample_limit}")
    url = database_url(args.url)
    if args.engine == "gx":
        from etlq.checks.gx import run_gx

        result = run_gx(url, contracts, select=args.select, sample_limit=args.sample_limit)
    else:
        from etlq.checks.sql_engine import run_checks
        from etlq.history import HistoryRun, open_store, parse_run_date

        history = HistoryRun(
            open_store(args.history), parse_run_date(args.run_date), record=not args.no_record
        )
        result = run_checks(
            url, contracts, select=args.select, sample_limit=args.sample_limit, history=history
        )
    if args.select and not result.results:
        raise EtlqError(
            f"--select {args.select!r} matches no check", "see the ids with --format json and no --select"
        )
    write_output(render(result, args.format), args.out)
    if args.out:
        summary = result.summary()
        print(
            f"{summary['total']} checks, {summary['failed']} failed, {summary['error']} errors -> {args.out}"
        )
    if args.publish:  # after the report is written: a publish failure (exit 2) still leaves it
        from etlq.cli.publish import publish, summary_line

        line = summary_line(*publish(result.to_json(), args))
        # stdout holds the JSON report unless it went to --out: keep it parseable
        print(line, file=sys.stderr if args.format == "json" and not args.out else sys.stdout)
    return result.exit_code()
