"""Schema drift, one item per contract: the live table against the shape its contract promises.

A breaking change (missing table or column, narrowed type, lost key, ...) fails; a
non-breaking one (an added nullable column, a widened type) is reported as WARN.
"""

from __future__ import annotations

import allure
import pytest
from sqlalchemy import Engine

from etlq.contracts import Contract
from etlq.drift.diff import diff_contracts
from etlq.pytest_plugin import record_warn

pytestmark = [pytest.mark.regression, pytest.mark.drift, allure.epic("schema drift")]


def test_table_matches_contract_shape(
    request: pytest.FixtureRequest, etlq_contract: Contract, etlq_engine: Engine
) -> None:
    report = diff_contracts(etlq_engine, [etlq_contract])
    lines = {
        breaking: [
            f"{c.kind} {c.column or ''}: expected {c.expected}, actual {c.actual}".replace("  ", " ")
            for _, c in report.changes()
            if c.breaking is breaking
        ]
        for breaking in (True, False)
    }
    if lines[True]:
        pytest.fail(
            f"{etlq_contract.table} drifted from {etlq_contract.path.name}:\n  " + "\n  ".join(lines[True]),
            pytrace=False,
        )
    if lines[False]:
        record_warn(
            request.node, f"{etlq_contract.table} non-breaking drift:\n  " + "\n  ".join(lines[False])
        )
