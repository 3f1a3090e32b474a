"""Every contract check on every table: one item per check, its id the check id.

``pytest suites -k fact_orders``, ``-k "unique"``, ``-m completeness`` select from them. The
checks come from testdata/contracts (``--etlq-contracts``); a table's checks run as one scan.
Reconciliation checks live in test_reconcile.py.
"""

from __future__ import annotations

import pytest

from etlq.pytest_plugin import CheckUnderTest

pytestmark = pytest.mark.regression


@pytest.mark.etlq_select("*", exclude="*::reconcile[*]")
def test_contract(etlq_check: CheckUnderTest) -> None:
    etlq_check.verify()
