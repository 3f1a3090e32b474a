"""``etlq report``: Allure HTML from the suites' results, with trends carried from the last report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from etlq.report import DEFAULT_OUT, DEFAULT_RESULTS, generate_report


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="generate the Allure HTML report from reports/allure-results")
    parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        help=f"Allure results folder (default {DEFAULT_RESULTS})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT})"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    summary = generate_report(args.results, args.out)
    if args.format == "json":
        print(json.dumps(summary.as_dict(), indent=2))
        return 0
    counts = ", ".join(f"{n} {status}" for status, n in summary.statuses.items()) or "no results"
    trend = "trend carried over" if summary.history_carried else "first report, no trend yet"
    print(f"Allure report: {summary.index} ({counts}; {trend})")
    return 0
