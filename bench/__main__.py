"""``python -m bench``: run the measurements, write ``reports/bench.json``, print a short table."""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from bench import checks, datagen, ingest, reconcile
from bench.results import Run, machine, markdown, table, write
from etlq.local import LocalServices, local_services

# rows per measurement when --rows is not given: all three take about a minute on 2 cores
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_ROWS = {"checks": 500_000, "datagen": 2_000_000, "ingest": 500_000, "reconcile": 1_000_000}


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Benchmarks of etlq against peers (see bench/README.md)."
    )
    parser.add_argument(
        "--rows",
        type=_positive,
        help="rows for every measurement (default: "
        + ", ".join(f"{name} {rows:,}" for name, rows in DEFAULT_ROWS.items())
        + ")",
    )
    parser.add_argument("--repeat", type=_positive, default=3, help="timed repetitions; medians are reported")
    parser.add_argument("--only", choices=tuple(DEFAULT_ROWS), help="run one measurement")
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="skip Soda Core and datacontract-cli (their venvs under .bench/ are built on first use)",
    )
    parser.add_argument("--out", type=Path, default=Path("reports/bench.json"), help="the JSON report")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="the Markdown table of the latest run (committed)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [args.only] if args.only else list(DEFAULT_ROWS)
    rows = {name: args.rows or DEFAULT_ROWS[name] for name in names}
    about = machine()
    runs: list[Run] = []
    with contextlib.ExitStack() as stack:
        services: LocalServices | None = None  # started once, on the first measurement that needs it
        for name in names:
            print(f"bench: {name}, {rows[name]:,} rows, {args.repeat} repetitions ...", flush=True)
            if name == "datagen":
                runs.append(datagen.measure(rows[name], args.repeat))
                continue
            if services is None:
                services = stack.enter_context(local_services())
            if name in ("checks", "reconcile"):
                measure = checks.measure if name == "checks" else reconcile.measure
                runs.append(measure(services, rows[name], args.repeat, with_peers=not args.no_peers))
            else:
                runs.append(ingest.measure(services, rows[name], args.repeat))
    about["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    document = {"machine": about, "repeat": args.repeat, "runs": [run.to_dict() for run in runs]}
    write(args.out, document)
    args.results.write_text(markdown(document), encoding="utf-8")
    print()
    print(table(runs))
    print(f"\nwritten to {args.out} and {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
