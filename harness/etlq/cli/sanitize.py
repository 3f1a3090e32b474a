"""``etlq sanitize``: a referentially complete, PII-masked subset of a production database, read
read-only, written to a target database or CSV files, then scanned for leaks (exit 1 on a leak)."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "sanitize", help="subset + mask a source database (read-only)", description=__doc__
    )
    parser.add_argument(
        "--source-url", required=True, help="source database URL (read in a READ ONLY transaction)"
    )
    dest = parser.add_mutually_exclusive_group()
    dest.add_argument("--target-url", help="empty database to create the masked tables in")
    dest.add_argument("--out", help="directory for CSV files + sanitize-report.json")
    parser.add_argument("--root", required=True, help="schema.table the subset starts from")
    pick = parser.add_mutually_exclusive_group(required=True)
    pick.add_argument("--where", help="SQL predicate selecting root rows")
    pick.add_argument("--fraction", type=float, help="share of root rows, sampled by a hash of the key")
    parser.add_argument("--contracts", help="contract directory: pii: tags decide masking for covered tables")
    parser.add_argument(
        "--children", action="store_true", help="also pull rows referencing the selected rows"
    )
    parser.add_argument(
        "--plan", action="store_true", help="print table -> column -> masking method; write nothing"
    )
    parser.add_argument(
        "--mask-secret-id", help="Secrets Manager secret holding the masking key (else ETLQ_MASK_KEY)"
    )
    parser.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="SCHEMA.TABLE.COLUMN",
        help="leave this column unmasked (the leak scan still checks it); repeatable",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from etlq.contracts import load_contracts
    from etlq.sanitize import SanitizeOptions, sanitize

    report = sanitize(
        SanitizeOptions(
            source_url=args.source_url,
            root=args.root,
            target_url=args.target_url,
            out=args.out,
            where=args.where,
            fraction=args.fraction,
            contracts=load_contracts(args.contracts) if args.contracts else (),
            children=args.children,
            plan_only=args.plan,
            mask_secret_id=args.mask_secret_id,
            keep=tuple(args.keep),
            progress=not args.quiet,
        )
    )
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return report.exit_code
    for table, rows in report.tables.items():
        print(table if args.plan else f"{table}  {rows} rows")
        for rule in (r for r in report.masking if r["table"] == table):
            print(f"  {rule['column']:<30} {rule['method']:<11} ({rule['reason']})")
    for leak in report.leaks:
        print(
            f"LEAK {leak['table']}.{leak['column']}: {leak['rows']} rows hold values of "
            f"{leak['source_column']}",
            file=sys.stderr,
        )
    if not args.plan:
        masked = len(report.masking)
        print(
            f"written to {report.destination}; leak scan: no source value of the {masked} masked "
            "column(s) appears in the output"
            if report.written
            else f"NOT written (leak found): {report.destination}"
        )
    return report.exit_code
