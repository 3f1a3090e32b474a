"""Runs inside a peer's own venv (Soda Core v4, datacontract-cli, reladiff); it must not import etlq.

Protocol, one JSON object per line on stdin and stdout:
  1. ``{"tool": ..., "contract": {...}, ...}`` -> writes the files, imports the peer -> ``{"ready": true}``
  2. ``{"run": true}`` -> verifies once -> ``{"seconds": s, "failing": {peer_key: count}}``
EOF on stdin ends it. Errors come back as ``{"error": "..."}``, never as a traceback on stdout.
JSON is YAML, so the contracts are written as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The diagnostic that holds a Soda check's failing count, by check type.
SODA_METRICS = {"missing": "missing_count", "invalid": "invalid_count", "failed_rows": "failed_rows_count"}


def _soda(setup: dict[str, Any], folder: Path) -> Callable[[], dict[str, Any]]:
    from soda_core.contracts import verify_contract_locally

    source, contract = folder / "data_source.yml", folder / "contract.yml"
    source.write_text(json.dumps(setup["data_source"]))
    contract.write_text(json.dumps(setup["contract"]))

    def run() -> dict[str, Any]:
        session = verify_contract_locally(data_source_file_path=str(source), contract_file_path=str(contract))
        errors = session.get_errors()
        if errors:
            raise RuntimeError("; ".join(errors)[:500])
        failing: dict[str, Any] = {}
        for result in session.contract_verification_results:
            for check in result.check_results:
                value = (check.diagnostic_metric_values or {}).get(SODA_METRICS.get(check.check.type, ""))
                failing[check.check.name] = None if value is None else int(value)
        return failing

    return run


def _datacontract(setup: dict[str, Any], folder: Path) -> Callable[[], dict[str, Any]]:
    os.environ.update(setup["env"])
    from datacontract.data_contract import DataContract

    contract = folder / "contract.yml"
    contract.write_text(json.dumps(setup["contract"]))

    def run() -> dict[str, Any]:
        outcome = DataContract(data_contract_file=str(contract), server="bench").test()
        broken = [f"{check.name}: {check.reason}" for check in outcome.checks if check.key is None]
        if broken:
            raise RuntimeError("; ".join(broken)[:500])
        failing: dict[str, Any] = {}
        for check in outcome.checks:
            value = (check.diagnostics or {}).get("value")
            failing[check.key] = None if value is None or isinstance(value, bool) else int(value)
        return failing

    return run


def _reladiff(setup: dict[str, Any], folder: Path) -> Callable[[], dict[str, Any]]:
    import reladiff

    def table(name: str) -> Any:
        return reladiff.connect_to_table(
            setup["uri"], name, setup["key"], extra_columns=tuple(setup["columns"])
        )

    source, target = table(setup["source"]), table(setup["target"])

    def run() -> dict[str, Any]:
        signs: dict[Any, set[str]] = {}
        diff = reladiff.diff_tables(source, target, algorithm=reladiff.Algorithm.JOINDIFF)
        for sign, row in diff:
            signs.setdefault(row[0], set()).add(sign)  # the key is the first column
        return {
            "missing": sum(1 for found in signs.values() if found == {"-"}),
            "extra": sum(1 for found in signs.values() if found == {"+"}),
            "changed": sum(1 for found in signs.values() if found == {"-", "+"}),
        }

    return run


TOOLS = {"soda": _soda, "datacontract": _datacontract, "reladiff": _reladiff}


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="etlq-bench-peer-"))
    run: Callable[[], dict[str, Any]] | None = None
    for line in sys.stdin:
        message = json.loads(line)
        try:
            if run is None:
                run = TOOLS[message["tool"]](message, folder)
                answer: dict[str, Any] = {"ready": True}
            else:
                started = time.perf_counter()
                failing = run()
                answer = {"seconds": time.perf_counter() - started, "failing": failing}
        except Exception as exc:  # noqa: BLE001 - reported to the bench, which stops the run
            answer = {"error": f"{type(exc).__name__}: {exc}"[:1000]}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
