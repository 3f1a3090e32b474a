"""``etlq history show``: the metrics history ``etlq check`` recorded, as series per table.

``etlq history show --table shop.orders [--metric row_count] [--column email]`` prints one line
per run date (``--format json``: ``{"series": [{table, metric, column, points: [[date, value]]}]}``).
"""

from __future__ import annotations

import argparse
import json
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
