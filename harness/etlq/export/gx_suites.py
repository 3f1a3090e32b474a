"""Contracts -> GX expectation suites as JSON files, one ``<schema>.<table>.json`` per table.

The ETL's quality gate loads these (``ExpectationSuite(**json.load(f))``) instead of
restating rules; each expectation's ``meta`` carries the etlq check id and severity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from etlq.contracts.model import Contract
from etlq.export.files import write_atomic


def write_gx_suites(contracts: Iterable[Contract], out_dir: Path | str) -> list[Path]:
    from etlq.checks.gx import compile_suite  # GX is slow to import; only this command needs it

    return [
        write_atomic(
            Path(out_dir) / f"{contract.table}.json",
            json.dumps(compile_suite(contract).to_json_dict(), indent=2, default=str) + "\n",
        )
        for contract in contracts
    ]
