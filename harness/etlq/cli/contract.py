"""``etlq contract``: draft contracts from a live schema (``init``) or validate contract files
(``validate``, which also lists the check ids they produce)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from etlq.cli.check import DEFAULT_CONTRACTS, database_url


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("contract", help="draft or validate data contracts", description=__doc__)
    actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))

    init = actions.add_parser("init", help="draft contracts from a live schema")
    init.add_argument("--url", help="database URL (default: ETLQ_DATABASE_URL or `etlq env up`'s)")
    init.add_argument("--schema", required=True, help="schema to draft contracts for")
    init.add_argument("--table", action="append", default=[], help="only this table (repeatable)")
    init.add_argument("--out", required=True, help="contract directory; files go to OUT/<schema>/<table>.yml")
    init.add_argument("--force", action="store_true", help="overwrite existing contract files")
    init.add_argument("--format", choices=("text", "json"), default="text")
    init.add_argument(
        "--history",
        metavar="URL",
        help="propose checks.anomalies for tables with 21+ days in this metrics history "
        "(only with this option; a store URL as for `etlq check --history`)",
    )
    init.set_defaults(func=run_init)

    validate = actions.add_parser("validate", help="load and validate contract files, list their checks")
    validate.add_argument("--contracts", default=DEFAULT_CONTRACTS, help="contract directory or file")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(func=run_validate)


def run_init(args: argparse.Namespace) -> int:
    from etlq.anomaly_propose import propose
    from etlq.drift.catalog import LiveTable
    from etlq.history import open_store
    from etlq.scaffold import scaffold_contracts

    def skipped(table: str, reason: str) -> None:
        print(f"skipped {table}: {reason}", file=sys.stderr)

    records = (
        [r for r in open_store(args.history).records() if r["table"].startswith(f"{args.schema}.")]
        if args.history  # opt-in: a draft does not change with whatever history lies around
        else []
    )

    def anomalies(live: LiveTable) -> dict[str, Any] | None:
        proposal, note = propose(records, live)
        if note:  # a table the history knows: say what it made of it
            print(f"{live.table}: {note}", file=sys.stderr)
        return proposal

    written = scaffold_contracts(
        database_url(args.url),
        args.schema,
        args.out,
        tables=args.table,
        force=args.force,
        on_skip=skipped,
        propose=anomalies,
    )
    if args.format == "json":
        print(json.dumps({"written": [str(p) for p in written]}, indent=2))
        return 0
    for path in written:
        print(path)
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from etlq.checks.plan import plan_checks
    from etlq.contracts import load_contracts

    contracts = load_contracts(args.contracts)
    specs = plan_checks(contracts)
    if args.format == "json":
        tables = [
            {"table": c.table, "path": str(c.path), "checks": [s.id for s in specs if s.table == c.table]}
            for c in contracts
        ]
        print(json.dumps({"contracts": tables, "checks": len(specs)}, indent=2))
    else:
        for contract in contracts:
            print(
                f"{contract.table:<40} {sum(s.table == contract.table for s in specs):>3} checks"
                f"  {contract.path}"
            )
        print(f"{len(contracts)} contracts, {len(specs)} checks: valid")
    return 0
