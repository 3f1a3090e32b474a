"""The defect catalog (testdata/scenarios/defects.yml): every realistic ETL defect in it, planted
through the pipeline interface, makes one of the scenario oracles it names fail. This is the
measure that the scenario suites catch what the one-clean-day suites miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from etlq.contracts import load_contracts
from etlq.errors import EtlqError
from etlq.local import LocalServices
from etlq.pipeline import Pipeline
from etlq.scenarios import load_scenarios
from etlq.scenarios.catalog import CATALOG_FILE, Defect, load_catalog, try_defect
from etlq.scenarios.loader import load_settings

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "testdata" / "scenarios"
CATALOG = SCENARIOS / CATALOG_FILE
DEFECTS = load_catalog(CATALOG, load_scenarios(SCENARIOS))

pytestmark = pytest.mark.slow


def test_catalog_is_as_the_issue_asks() -> None:
    assert len(DEFECTS) >= 20
    assert sum(d.multi for d in DEFECTS) >= 8
    assert {d.statement.split(".")[0] for d in DEFECTS} == {"ingest", "silver", "gold"}


@pytest.mark.parametrize("defect", DEFECTS, ids=[d.id for d in DEFECTS])
def test_defect_is_caught(
    defect: Defect, etlq_pipeline: Pipeline, etlq_local_services: LocalServices
) -> None:
    caught = try_defect(
        defect,
        CATALOG,
        load_scenarios(SCENARIOS),
        load_settings(SCENARIOS),
        etlq_pipeline,
        load_contracts(ROOT / "testdata" / "contracts"),
        etlq_local_services,
    )
    assert caught.caught, f"{defect.id}: none of {defect.caught_by} failed; failed: {dict(caught.failed)}"


def test_a_stale_edit_is_one_line(etlq_pipeline: Pipeline) -> None:
    stale = Defect(
        "gone", "silver.upsert_orders", (("no such text", "x"),), ("orders_across_days",), ("expected",)
    )
    with pytest.raises(EtlqError, match=r"gone: 'no such text' is not in silver.upsert_orders"):
        stale.sql(etlq_pipeline.statements(), CATALOG)
