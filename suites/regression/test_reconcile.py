"""Reconciliation, layer by layer: raw files -> staging + quarantine -> silver -> gold.

Raw -> staging: every record of the run's raw files is either in staging or quarantined by
the pipeline under test (counted here from the files themselves, not from the ETL's counters).
Staging -> silver -> gold: the contracts' ``reconcile`` entries (counts, sums, missing and
extra keys), one item per check id.
"""

from __future__ import annotations

import allure
import pytest

from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.pytest_plugin import CheckUnderTest, present
from etlq.raw import raw_reconciles
from etlq.warehouse import Warehouse

pytestmark = [pytest.mark.regression, pytest.mark.completeness]


@pytest.mark.etlq_select("*::reconcile[*]")
def test_layer_reconciles(etlq_check: CheckUnderTest) -> None:
    etlq_check.verify()


@pytest.mark.etlq_select("staging.*")
def test_raw_records_are_staged_or_quarantined(etlq_contract: Contract, etlq_warehouse: Warehouse) -> None:
    allure.dynamic.epic("raw files reconciliation")
    try:
        verdict = raw_reconciles(etlq_warehouse, etlq_contract)
    except EtlqError as exc:
        pytest.fail(str(exc), pytrace=False)
    present(verdict)
