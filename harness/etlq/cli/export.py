"""``etlq export``: contracts as AWS Glue Data Quality rulesets (``dqdl``) or as Great
Expectations suites (``gx``, the JSON the ETL's quality gate loads)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from etlq.cli.check import DEFAULT_CONTRACTS


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "export", help="export contracts as DQDL rulesets or GX suites", description=__doc__
    )
    targets = parser.add_subparsers(dest="target", required=True, parser_class=type(parser))
    for name, default_out, help_text in (
        ("dqdl", "reports/dqdl", "one <schema>.<table>.dqdl ruleset per table"),
        ("gx", "reports/gx", "one <schema>.<table>.json GX suite per table"),
    ):
        target = targets.add_parser(name, help=help_text)
        target.add_argument("--contracts", default=DEFAULT_CONTRACTS, help="contract directory or file")
        target.add_argument("--out", default=default_out, help=f"output directory (default {default_out})")
        target.add_argument("--format", choices=("text", "json"), default="text")
        target.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from etlq.contracts import load_contracts

    contracts = load_contracts(args.contracts)
    files: list[dict[str, Any]] = []
    if args.target == "dqdl":
        from etlq.export.dqdl import write_dqdl

        for path, rs in write_dqdl(contracts, args.out):
            files.append(
                {
                    "path": str(path),
                    "table": rs.table,
                    "rules": len(rs.rules),
                    "skipped": list(rs.skipped),
                    "reference_datasets": rs.references,
                }
            )
    else:
        from etlq.export.gx_suites import write_gx_suites

        files = [{"path": str(p)} for p in write_gx_suites(contracts, args.out)]
    if args.format == "json":
        print(json.dumps({"files": files}, indent=2))
        return 0
    for entry in files:
        detail = f"  ({entry['rules']} rules)" if "rules" in entry else ""
        print(f"{entry['path']}{detail}")
        for skipped in entry.get("skipped", []):
            print(f"    not expressible in DQDL: {skipped}", file=sys.stderr)
    return 0
