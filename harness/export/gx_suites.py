"""Contracts -> GX expectation suites as JSON files, one ``<schema>.<table>.json`` per table.

The ETL's quality gate loads these (``ExpectationSuite(**json.load(f))``) instead of
restating rules; each expectation's ``meta`` carries the etlq check id and severity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from harness.contracts.model import Contract


def write_gx_suites(contracts: Iterable[Contract], out_dir: Path | str) -> list[Path]:
    from harness.checks.gx import compile_suite  # GX is slow to import; only this command needs it

    out = Path(out_dir)
    written = []
    for contract in contracts:
        suite = compile_suite(contract).to_json_dict()
        path = out / f"{contract.table}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(suite, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
