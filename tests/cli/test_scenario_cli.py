"""`etlq scenario` end to end on the real ETL: a scenario's verdicts, one defect caught through the
CLI, and bad input (a stale defect, a missing folder) as one exit-2 line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "testdata" / "scenarios"

pytestmark = pytest.mark.slow


def etlq(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("etlq")), "scenario", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_a_scenario_passes_every_oracle_it_applies_to() -> None:
    done = etlq("--select", "fx_corrections", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    (report,) = json.loads(done.stdout)["scenarios"]
    assert report["name"] == "fx_corrections"
    outcomes = {o: v["outcome"] for o, v in report.items() if o != "name"}
    assert outcomes == {
        "runs": "passed",
        "nothing_lost": "passed",
        "idempotent": "passed",
        "expected": "passed",
        "edges": "passed",
        "incremental_equals_rebuild": "passed",
        "order_independent": "passed",
    }
    assert report["nothing_lost"]["message"] == "fx_corrections: nothing_lost: 3 step(s) passed"
    assert report["edges"]["message"] == "fx_corrections: edges: 3 step(s) passed"


def test_a_defect_is_caught_and_named(tmp_path: Path) -> None:
    catalog = tmp_path / "defects.yml"
    catalog.write_text(
        "defects:\n"
        "  - id: cancelled_orders_counted\n"
        "    statement: gold.upsert_daily_revenue\n"
        '    edits: [{find: "count(*) FILTER (WHERE f.status <> \'CANCELLED\')", replace: "count(*)"}]\n'
        "    scenarios: [orders_across_days]\n"
        "    caught_by: [expected]\n"
    )
    done = etlq("--defects", str(catalog), "--scenarios", str(SCENARIOS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "1/1 defects caught"
    assert "caught cancelled_orders_counted (one delivery) by expected" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scenarios", "no/such/folder"), "no/such/folder: no such folder"),
        (("--defects", "STALE"), "gone: 'count(DISTINCT x)' is not in gold.upsert_daily_revenue"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    stale = tmp_path / "defects.yml"
    stale.write_text(
        "defects:\n  - id: gone\n    statement: gold.upsert_daily_revenue\n"
        "    edits: [{find: 'count(DISTINCT x)', replace: 'x'}]\n"
        "    scenarios: [orders_across_days]\n    caught_by: [expected]\n"
    )
    done = etlq(*(str(stale) if a == "STALE" else a for a in args))
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
