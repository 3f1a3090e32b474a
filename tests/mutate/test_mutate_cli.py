"""`etlq mutate` end to end on the real ETL: a mutant the golden cases kill, one nothing notices,
the JSON shape, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATEMENT = "gold.upsert_daily_revenue"
COUNT_FILTER = f"{STATEMENT}:relational:selectStmt.targetList[1].val.agg_filter"
SUM_FILTER = f"{STATEMENT}:relational:selectStmt.targetList[2].val.args[0].agg_filter"


def etlq(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("etlq")), "mutate", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_a_small_run_kills_and_reports_survivors(tmp_path: Path) -> None:
    out, marks = tmp_path / "mutate.json", tmp_path / "equivalent.yml"
    stale = f"{STATEMENT}:relational:no.such.path:0"
    marks.write_text(
        f"equivalent:\n  - id: '{SUM_FILTER}:4'\n    reason: every accepted status sorts after CANCELLED\n"
        f"  - id: '{stale}'\n    reason: gone\n"
    )
    args = ("--select", STATEMENT, "--operators", "relational", "--equivalent", str(marks))
    done = etlq(*args, "--format", "json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert set(report) >= {"mutants", "killed", "survived", "timed_out", "invalid", "equivalent", "score"}
    assert report["mutants"] == 10 and report["invalid"] == 0
    survived = {s["id"] for s in report["survived"]}
    # status <> 'CANCELLED' -> = 'CANCELLED': the daily_revenue golden case sees it
    assert f"{COUNT_FILTER}:2" not in survived and report["killed"] >= 1
    # status > 'CANCELLED': every accepted status sorts after CANCELLED, so nothing can tell
    assert f"{COUNT_FILTER}:4" in survived
    one = next(s for s in report["survived"] if s["id"] == f"{COUNT_FILTER}:4")
    assert one["statement"] == STATEMENT and one["operator"] == "relational"
    assert "+     , count(*) FILTER (WHERE f.status > 'CANCELLED')" in one["diff"]
    # the marked one is set apart, the mark of a mutant no longer generated is reported
    assert report["equivalent"] == 1 and f"{SUM_FILTER}:4" not in survived
    assert report["stale_equivalent"] == [stale]
    judged = report["mutants"] - report["invalid"] - report["equivalent"]
    assert report["score"] == round((report["killed"] + report["timed_out"]) / judged, 4)
    assert report["seconds_per_mutant"] > 0
    assert "10 mutants" in done.stdout


def test_bad_input_is_one_line_and_exit_2() -> None:
    done = etlq("--select", "no_such.*")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "matches no statement" in done.stderr
