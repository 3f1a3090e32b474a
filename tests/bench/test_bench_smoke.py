"""``python -m bench`` at a tiny size: every measurement runs and reports, and the hand-written
fused query counts exactly what the check engines count (else its ratio compares other work).

Times are only required to be positive; speed is judged by the ratios of a full run, never here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main


@pytest.mark.slow
def test_bench_runs_every_measurement_and_the_fused_query_agrees(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    # the peers' venvs (Soda Core, datacontract-cli: ~1 GB) are built by `make bench`, not here
    assert (
        main(
            [
                "--rows",
                "2000",
                "--repeat",
                "1",
                "--no-peers",
                "--out",
                str(out),
                "--results",
                str(tmp_path / "R.md"),
            ]
        )
        == 0
    )

    runs = {run["name"]: run for run in json.loads(out.read_text())["runs"]}
    assert [run["agree"] for run in runs.values()][:3] == [True, None, True]
    table = (tmp_path / "R.md").read_text()
    assert all(f"| {name} | {runs[name]['rows']:,} |" in table for name in runs)
    assert list(runs) == ["checks", "datagen", "ingest", "reconcile", "nightly"]
    for run in runs.values():
        assert run["rows"] >= 2000
        assert run["subject_s"] > 0
        assert run["peers"] and all(seconds > 0 for seconds in run["peers"].values())
        assert run["ratios"] and all(ratio > 0 for ratio in run["ratios"].values())

    failing = runs["checks"]["details"]["failing"]
    assert len(failing["fused_sql"]) == 15  # every row-level check of staging.orders
    assert failing["fused_sql"] == failing["sql_engine"] == failing["gx"]
    assert runs["checks"]["details"]["counts_agree"] is True
    # the planted defects make three checks fail: agreement on all-zero counts would prove little
    assert {check for check, count in failing["sql_engine"].items() if count} == {
        "staging.orders::range[amount]",
        "staging.orders::pattern[currency]",
        "staging.orders::expression[event_ts_not_in_future]",
    }

    ingest = runs["ingest"]
    assert ingest["details"]["raw_copy_rows"] == ingest["rows"]  # the limit landed the same records
    assert ingest["details"]["rows_loaded"] + ingest["details"]["rows_quarantined"] == ingest["rows"]
    assert ingest["details"]["typed_copy_rows"] == 2000  # the clean file, every row typed, none skipped
    assert 0 < ingest["details"]["to_sql_rows"] <= ingest["rows"]  # pandas skips ragged lines
    assert set(ingest["ratios"]) == {"ingest_over_raw_copy", "ingest_over_typed_copy", "to_sql_over_ingest"}

    reconcile = runs["reconcile"]["details"]
    assert (
        reconcile["found"]["hand_sql"] == reconcile["planted"] == {"missing": 34, "extra": 33, "changed": 33}
    )
    assert reconcile["found"]["etlq"] == reconcile["planted"]  # compare: counts the changed values too
    assert reconcile["etlq_plan"] == "join"  # both sides have a primary key: one FULL JOIN pass
    assert runs["reconcile"]["agree"] is True

    nightly = runs["nightly"]["details"]
    assert set(nightly["seconds_by_step"]) >= {"datagen", "ingest", "silver", "gold", "checks"}
    assert nightly["rows_by_table"]["staging.orders"] > 0 and nightly["rows_by_table"]["gold.fact_orders"] > 0
    assert nightly["checks"] == sum(nightly["outcomes"].values()) > 100
