"""A correction that omits a record: a day re-delivered without one order event and one FX rate.
Silver keeps what it saw once (docs/etl.md: a later delivery wins, nothing is deleted), so the
contracts' staging -> silver reconciliation compares only the keys staging still holds; before,
it failed on the kept rows and the quality gate then stopped every later day (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

from etl_support import D1, D2, DAY, NEW_ORDER, query

from fixtures.cli import Etlq

CONTRACTS = str(Path(__file__).parents[2] / "testdata" / "contracts")
OMITTED_ORDER = DAY["orders"][3]  # order 3's only event
OMITTED_RATE = DAY["fx_rates"][2]  # GBP on 2026-11-19


def reconcile_outcomes(etlq: Etlq, db: str) -> dict[str, str]:
    code, out, err = etlq(
        "check", "--url", db, "--contracts", CONTRACTS, "--select", "silver.*::reconcile*", "--format", "json"
    )
    assert code in (0, 1), err
    return {c["id"]: c["outcome"] for c in json.loads(out)["checks"]}


def test_a_correction_that_omits_records_passes_reconciliation_and_the_next_day_loads(
    db: str, land: object, land_day: object, run_etl: object, etlq: Etlq
) -> None:
    land_day(D1)
    run_etl(D1)
    corrected = {
        "orders": tuple(r for r in DAY["orders"] if r != OMITTED_ORDER),
        "fx_rates": tuple(r for r in DAY["fx_rates"] if r != OMITTED_RATE),
    }
    land_day(D1, **corrected)
    run_etl(D1)
    # silver kept what staging no longer has: the documented semantics, not a defect
    assert query(db, "SELECT count(*) FROM silver.order_events WHERE order_id = 3") == [(1,)]
    assert query(db, "SELECT count(*) FROM staging.orders WHERE order_id = 3") == [(0,)]
    outcomes = reconcile_outcomes(etlq, db)
    assert len(outcomes) >= 8 and set(outcomes.values()) == {"passed"}, outcomes
    land_day(D2, orders=(NEW_ORDER,))
    run_etl(D2)
    assert set(reconcile_outcomes(etlq, db).values()) == {"passed"}


def test_reconciliation_still_sees_an_event_silver_lost(
    db: str, land_day: object, run_etl: object, etlq: Etlq
) -> None:
    """The narrowed target side must not blind the check: a staged event missing from silver fails."""
    land_day(D1)
    run_etl(D1)
    query(db, "DELETE FROM silver.orders WHERE order_id = 2")
    query(db, "DELETE FROM silver.order_events WHERE order_id = 2")
    outcomes = reconcile_outcomes(etlq, db)
    failed = {i for i, o in outcomes.items() if o == "failed"}
    assert "silver.order_events::reconcile[from_staging.missing_keys]" in failed
    assert "silver.order_events::reconcile[from_staging.count]" in failed
