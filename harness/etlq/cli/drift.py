"""``etlq drift``: compare the live tables with their contracts (or with a saved snapshot).

Exit 1 when any change is breaking (rules in docs/drift.md), 0 otherwise, 2 on errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from etlq.cli.check import DEFAULT_CONTRACTS, database_url, write_output
from etlq.errors import EtlqError

if TYPE_CHECKING:
    from etlq.drift.diff import DriftReport


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "drift", help="compare live tables with contracts or a snapshot", description=__doc__
    )
    parser.add_argument("--url", help="database URL (default: ETLQ_DATABASE_URL or `etlq env up`'s)")
    parser.add_argument(
        "--contracts", default=DEFAULT_CONTRACTS, help="contract directory or file (the baseline)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--save-snapshot", metavar="FILE", help="also save the live shape of the tables to FILE"
    )
    mode.add_argument(
        "--snapshot", metavar="FILE", help="compare with FILE (from --save-snapshot), not contracts"
    )
    parser.add_argument("--schema", action="append", default=[], help="only this schema (repeatable)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--out", help="write the report to this file instead of stdout")
    parser.set_defaults(func=run)


def render_text(report: DriftReport) -> str:
    lines = []
    for table in report.tables:
        if not table.changes:
            lines.append(f"ok     {table.table}")
            continue
        for change in table.changes:
            flag = "BREAK " if change.breaking else "change"
            where = f"{table.table}.{change.column}" if change.column else table.table
            lines.append(
                f"{flag} {where}: {change.kind} (expected {change.expected}, actual {change.actual})"
            )
    lines.append(
        f"{len(report.tables)} tables: {report.breaking} breaking, {report.non_breaking} non-breaking changes"
    )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from etlq.contracts import load_contracts
    from etlq.drift.diff import diff_contracts, diff_snapshot, save_snapshot

    url = database_url(args.url)
    if args.snapshot:
        report = diff_snapshot(url, args.snapshot, schemas=args.schema)
    else:
        contracts_given = args.contracts != DEFAULT_CONTRACTS or Path(args.contracts).exists()
        contracts = load_contracts(args.contracts) if contracts_given else []
        if args.schema:
            contracts = [c for c in contracts if c.schema in args.schema]
        if args.save_snapshot:
            saved = save_snapshot(url, [*args.schema, *(c.table for c in contracts)], args.save_snapshot)
            print(f"saved the shape of {len(saved)} tables to {args.save_snapshot}", file=sys.stderr)
        elif not contracts:
            raise EtlqError(
                f"{args.contracts}: no contracts to compare with", "pass --contracts DIR or --snapshot FILE"
            )
        report = diff_contracts(url, contracts)
    text = json.dumps(report.to_json(), indent=2) + "\n" if args.format == "json" else render_text(report)
    write_output(text, args.out)
    return report.exit_code()
