"""``etlq scenario``: run the scenarios (deliveries across run dates) through the pipeline under test.

``etlq scenario [--select GLOB]`` runs each scenario on a local embedded PostgreSQL + moto and
prints every oracle's verdict (runs, nothing_lost, idempotent, expected, edges,
incremental_equals_rebuild, order_independent). ``--defects [FILE]`` runs the defect catalog instead
(default <scenarios>/defects.yml): each defect planted through the pipeline interface, caught or
missed. Exit 0 when every oracle passed (every defect was caught), 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
from pathlib import Path
from typing import Any

from etlq.errors import EtlqError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "scenario",
        help="run the scenarios (deliveries across run dates), or the defect catalog",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scenarios", type=Path, default=Path("testdata/scenarios"), help="scenarios folder")
    parser.add_argument("--contracts", type=Path, default=Path("testdata/contracts"), help="contracts folder")
    parser.add_argument("--select", help="glob on scenario names (with --defects: on defect ids)")
    parser.add_argument(
        "--defects", nargs="?", const="", metavar="FILE", help="run the defect catalog (default defects.yml)"
    )
    parser.add_argument("--seed", type=int, default=0, help="datagen seed (default 0)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from etlq.contracts import load_contracts
    from etlq.local import local_services
    from etlq.pipeline import find_pipeline, require
    from etlq.scenarios import load_scenarios
    from etlq.scenarios.catalog import CATALOG_FILE, load_catalog, table, try_defect
    from etlq.scenarios.loader import load_settings
    from etlq.scenarios.runner import ORACLES, load_expectations, run_scenario

    if not args.scenarios.is_dir():
        raise EtlqError(f"{args.scenarios}: no such folder", "pass --scenarios DIR (one folder per scenario)")
    scenarios = load_scenarios(args.scenarios)
    if not scenarios:
        raise EtlqError(f"{args.scenarios}: no */scenario.yml found", "add a folder with a scenario.yml")
    settings = load_settings(args.scenarios)
    contracts = load_contracts(args.contracts)
    if not contracts:
        raise EtlqError(f"{args.contracts}: no contract files (*.yml) found", "pass --contracts DIR")
    pipeline = require(find_pipeline(), "etlq scenario")
    document: dict[str, Any]
    with local_services() as services:
        if args.defects is not None:
            catalog = Path(args.defects) if args.defects else args.scenarios / CATALOG_FILE
            defects = [
                d
                for d in load_catalog(catalog, scenarios)
                if not args.select or fnmatch.fnmatchcase(d.id, args.select)
            ]
            for d in defects:  # a stale edit is bad input: say so before running anything
                d.sql(pipeline.statements(), catalog)
            results = [
                try_defect(d, catalog, scenarios, settings, pipeline, contracts, services, args.seed)
                for d in defects
            ]
            ok = all(r.caught for r in results)
            text = table(results) + "\n"
            document = {
                "defects": [
                    {"id": r.defect.id, "multi": r.defect.multi, "caught": r.caught, "failed": dict(r.failed)}
                    for r in results
                ],
                "caught": sum(r.caught for r in results),
            }
        else:
            chosen = [s for s in scenarios if not args.select or fnmatch.fnmatchcase(s.name, args.select)]
            expectations = load_expectations(settings)
            lines, document, ok = [], {"scenarios": []}, True
            for scenario in chosen:
                done = run_scenario(
                    scenario,
                    settings,
                    pipeline,
                    contracts,
                    services,
                    seed=args.seed,
                    expectations=expectations,
                )
                verdicts = {o: done.verdict(o) for o in ORACLES}
                ok = ok and all(v.outcome != "failed" for v in verdicts.values())
                document["scenarios"].append(
                    {
                        "name": scenario.name,
                        **{o: {"outcome": v.outcome, "message": v.message} for o, v in verdicts.items()},
                    }
                )
                for oracle, verdict in verdicts.items():
                    lines.append(f"{verdict.outcome.upper():7} {scenario.name}::{oracle}")
                    if verdict.outcome == "failed":
                        lines += [f"        {line}" for line in verdict.message.splitlines()[1:]]
            text = "\n".join(lines) + "\n"
    print(json.dumps(document, indent=2, default=str) if args.format == "json" else text, end="")
    return 0 if ok else 1
