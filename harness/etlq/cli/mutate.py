"""``etlq mutate``: how many defects in the pipeline's SQL would the suites catch?

Each statement of the pipeline under test (``Pipeline.statements``) is parsed with PostgreSQL's
own parser and changed one small way at a time (a flipped comparison, a dropped predicate, a
swapped aggregate...). Each mutant runs through the pipeline interface (never by editing files)
on a local embedded PostgreSQL + moto, against the golden cases of its stage, the bad-input
corpus (--bad-inputs; ingest's statements only) and the contracts' checks over a warehouse it
loads; the first failure kills it. A survivor is a change no suite noticed: a gap in the
suites, or a change that makes no difference (mark it equivalent, with a reason, in
testdata/mutate/equivalent.yml).

Exit 0 when the score is at least --min-score (default 0: report only), 1 below, 2 on bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from etlq.errors import EtlqError

RUN_DATES = (dt.date(2026, 11, 19), dt.date(2026, 11, 20))


def _fraction(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return number


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from etlq.mutate.bad_inputs import DEFAULT_FOLDER
    from etlq.mutate.operators import OPERATORS
    from etlq.mutate.report import EQUIVALENT_FILE

    parser = sub.add_parser(
        "mutate",
        help="mutate the pipeline's SQL and score how many mutants the suites kill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--select", help="comma-separated globs on statement names, e.g. 'gold.*,silver.upsert_*'"
    )
    parser.add_argument(
        "--operators", help=f"comma-separated operators (default all: {', '.join(OPERATORS)})"
    )
    parser.add_argument(
        "--max", type=_positive, help="run at most N mutants, sampled by --seed (default all)"
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed for --max (default 0)")
    parser.add_argument("--workers", type=_positive, default=2, help="databases run in parallel (default 2)")
    parser.add_argument(
        "--min-score", type=_fraction, default=0.0, help="exit 1 below this score (default 0)"
    )
    parser.add_argument("--contracts", type=Path, default=Path("testdata/contracts"), help="contracts folder")
    parser.add_argument("--cases", type=Path, default=Path("testdata/cases"), help="golden cases folder")
    parser.add_argument(
        "--scenarios",
        type=Path,
        default=Path("testdata/scenarios"),
        help="scenarios folder (killer of last resort; skipped when absent)",
    )
    parser.add_argument(
        "--bad-inputs",
        type=Path,
        metavar="DIR",
        help=f"bad-input corpus folder run through ingest mutants (manifest.yml, clean/; default "
        f"{DEFAULT_FOLDER} when it exists, else none)",
    )
    parser.add_argument(
        "--equivalent",
        type=Path,
        default=Path(EQUIVALENT_FILE),
        help=f"equivalent marks (default {EQUIVALENT_FILE})",
    )
    parser.add_argument(
        "--rows", type=_positive, default=200, help="generated order events per run date (default 200)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="statement timeout in seconds: longer is 'timed out' (default 30)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--out", help="write the report to this file instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from etlq.cli.check import write_output
    from etlq.contracts import load_contracts
    from etlq.golden.cases import load_cases
    from etlq.local import local_services
    from etlq.mutate import runner
    from etlq.mutate.bad_inputs import DEFAULT_FOLDER
    from etlq.mutate.generate import Mutant, check_operators, generate, select_statements
    from etlq.mutate.killers import default_killers
    from etlq.mutate.operators import OPERATORS
    from etlq.mutate.report import Score, load_equivalent, stale_marks
    from etlq.pipeline import find_pipeline, require

    started = time.perf_counter()
    pipeline = require(find_pipeline(), "etlq mutate")
    operators = (
        check_operators(o.strip() for o in args.operators.split(",")) if args.operators else list(OPERATORS)
    )
    statements = select_statements(pipeline.statements(), args.select)
    marks = load_equivalent(args.equivalent)
    contracts = load_contracts(args.contracts)
    if not contracts:
        raise EtlqError(f"{args.contracts}: no contract files (*.yml) found", "pass --contracts DIR")
    cases = load_cases(args.cases) if args.cases.exists() else []
    bad_inputs = args.bad_inputs
    if bad_inputs is None and DEFAULT_FOLDER.is_dir():
        bad_inputs = DEFAULT_FOLDER
    elif bad_inputs is not None and not bad_inputs.is_dir():
        raise EtlqError(f"--bad-inputs {bad_inputs}: no such folder", "pass the bad-input corpus folder")
    scenarios = args.scenarios if (args.scenarios / "scenarios.yml").is_file() else None
    killers = default_killers(cases, contracts, bad_inputs, scenarios)
    timeout_ms = round(args.timeout * 1000)
    with local_services() as services:
        bench = runner.build_bench(services, pipeline, contracts, RUN_DATES, args.rows, args.seed)
        generated = generate(statements, bench.columns, operators=operators, limit=args.max, seed=args.seed)
        runner.baseline(
            bench, pipeline, killers, {n: p.text() for n, p in generated.statements.items()}, timeout_ms
        )
        score = Score(generated=generated.total, workers=args.workers)
        score.stale = stale_marks(marks, generated.ids, statements, operators)
        score.equivalent = {m.id: marks[m.id] for m in generated.mutants if m.id in marks}
        jobs = [(m, m.sql(bench.columns)) for m in generated.mutants if m.id not in marks]
        run_started = time.perf_counter()

        def progress(mutant: Mutant, outcome: runner.Outcome) -> None:
            print(f"  {outcome.status:9} {outcome.seconds:5.1f}s {mutant.id}", file=sys.stderr, flush=True)

        score.results = list(
            runner.run_all(
                bench, pipeline, killers, jobs, workers=args.workers, timeout_ms=timeout_ms, on_done=progress
            )
        )
        score.run_seconds = time.perf_counter() - run_started
    score.seconds = time.perf_counter() - started
    if args.format == "json":
        text = json.dumps(score.to_json(bench.columns), indent=2) + "\n"
    else:
        text = score.summary()
    write_output(text, args.out)
    if args.out:
        print(score.summary().splitlines()[0] + f" -> {args.out}")
    value = score.score
    return 0 if args.min_score == 0 or (value is not None and value >= args.min_score) else 1
