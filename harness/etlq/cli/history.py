"""``etlq history show``: the metrics history ``etlq check`` recorded, as series per table.

``etlq history show --table shop.orders [--metric row_count] [--column email]`` prints one line
per run date (``--format json``: ``{"series": [{table, metric, column, points: [[date, value]]}]}``).

``etlq history backfill --from 2026-10-01 --to 2026-11-30 [--table 'shop.*']`` computes those
days' metrics from each table's ``checks.anomalies.partition`` column, one GROUP BY per table,
and records the days the store does not have yet (a rerun adds nothing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import json
import sys
from typing import Any

from etlq.errors import EtlqError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "history", help="the metrics history recorded by `etlq check`", description=__doc__
    )
    verbs = parser.add_subparsers(dest="verb", required=True)
    show = verbs.add_parser("show", help="series of one table's metrics, oldest first")
    show.add_argument(
        "--history", metavar="URL", help="the store (default: ETLQ_HISTORY, else .etlq/history.jsonl)"
    )
    show.add_argument("--table", required=True, help="schema.table")
    show.add_argument(
        "--metric", help="only this metric (row_count, null_fraction, freshness_lag_seconds, ...)"
    )
    show.add_argument("--column", help="only this column's series")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(func=run_show)
    back = verbs.add_parser(
        "backfill", help="past days' metrics from each table's partition column, one GROUP BY per table"
    )
    back.add_argument("--url", help="database URL (default: ETLQ_DATABASE_URL or `etlq env up`'s)")
    back.add_argument("--contracts", default="testdata/contracts", help="contract directory or file")
    back.add_argument(
        "--history", metavar="URL", help="the store (default: ETLQ_HISTORY, else .etlq/history.jsonl)"
    )
    back.add_argument("--from", dest="start", required=True, metavar="D", help="first run date, YYYY-MM-DD")
    back.add_argument("--to", dest="end", required=True, metavar="D", help="last run date, YYYY-MM-DD")
    back.add_argument(
        "--table",
        metavar="GLOB",
        help="only these tables, e.g. 'shop.*' (default: every contract with checks.anomalies.partition)",
    )
    back.add_argument("--format", choices=("text", "json"), default="text")
    back.set_defaults(func=run_backfill)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EtlqError(f"{option} {text!r} is not a date", "use YYYY-MM-DD") from None


def run_backfill(args: argparse.Namespace) -> int:
    from etlq.backfill import backfill, missing_partition
    from etlq.cli.check import database_url
    from etlq.connect import connected
    from etlq.contracts import load_contracts
    from etlq.contracts.metrics import partition_of
    from etlq.history import open_store

    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if start > end:
        raise EtlqError(f"--from {start} is after --to {end}", "swap them")
    contracts = load_contracts(args.contracts)
    chosen = [c for c in contracts if fnmatch.fnmatchcase(c.table, args.table or "*")]
    if not chosen:
        raise EtlqError(
            f"--table {args.table!r} matches no contract in {args.contracts}", "see `etlq contract plan`"
        )
    if args.table is None:  # every table that can be backfilled; the others say what to add
        ready = [c for c in chosen if partition_of(c)]
        if not ready:
            raise missing_partition(chosen[0])
        for contract in chosen:
            if contract not in ready:
                print(f"etlq: note: skipped {contract.table}: no checks.anomalies.partition", file=sys.stderr)
        chosen = ready
    store = open_store(args.history)
    with connected(database_url(args.url)) as conn:
        done = backfill(conn, chosen, store, start, end)
    if args.format == "json":
        print(
            json.dumps({"from": str(start), "to": str(end), "tables": [d.to_json() for d in done]}, indent=2)
        )
        return 0
    for d in done:
        print(
            f"{d.table}: {len(d.recorded)} day(s) recorded, {len(d.skipped)} already in the history"
            f" ({start}..{end}, {d.records} metric(s), 1 statement)"
        )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from etlq.history import open_store, series_of

    records = list(open_store(args.history).records())
    keys = sorted(
        {
            (r["metric"], r.get("column"))
            for r in records
            if r["table"] == args.table
            and "check" not in r
            and (args.metric is None or r["metric"] == args.metric)
            and (args.column is None or r.get("column") == args.column)
        },
        key=lambda k: (k[0], k[1] or ""),
    )
    if not keys:
        raise EtlqError(
            f"no history for {args.table}" + (f" metric {args.metric}" if args.metric else ""),
            "run `etlq check` with the same --history first, or check --table/--metric",
        )
    series: list[dict[str, Any]] = [
        {"table": args.table, "metric": m, "column": c, "points": series_of(records, args.table, m, c)}
        for m, c in keys
    ]
    if args.format == "json":
        print(json.dumps({"series": series}, indent=2))
        return 0
    for entry in series:
        name = entry["metric"] + (f"[{entry['column']}]" if entry["column"] else "")
        print(f"{args.table} {name}: {len(entry['points'])} day(s)")
        for day, value in entry["points"]:
            print(f"  {day}  {value:g}")
    return 0
