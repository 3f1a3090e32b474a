"""Reconciliation, layer by layer: raw files -> staging + quarantine -> silver -> gold.

Raw -> staging: every record of the run's raw files is either in staging or in
audit.quarantine (counted here from the files themselves, not from the ETL's counters).
Staging -> silver -> gold: the contracts' ``reconcile`` entries (counts, sums, missing and
extra keys), one item per check id.
"""

from __future__ import annotations

import allure
import pytest
from sqlalchemy import Engine, column, func, select, table

from etlq import aws
from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.pytest_plugin import CheckUnderTest
from etlq.raw import raw_record_counts
from etlq.warehouse import Warehouse

pytestmark = [pytest.mark.regression, pytest.mark.completeness]


@pytest.mark.etlq_select("*::reconcile[*]")
def test_layer_reconciles(etlq_check: CheckUnderTest) -> None:
    etlq_check.verify()


def _count(engine: Engine, qualified: str, **where: object) -> int:
    schema, name = qualified.split(".", 1)
    t = table(name, *(column(c) for c in where), schema=schema)
    query = select(func.count()).select_from(t).where(*(t.c[c] == v for c, v in where.items()))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


@pytest.mark.etlq_select("staging.*")
def test_raw_records_are_staged_or_quarantined(etlq_contract: Contract, etlq_warehouse: Warehouse) -> None:
    allure.dynamic.epic("raw files reconciliation")
    source = etlq_contract.raw_source
    if source is None:
        pytest.skip(f"{etlq_contract.table} names no raw source")
    if etlq_warehouse.raw_bucket is None:
        pytest.skip("no raw bucket to count: pass --etlq-raw-bucket or set ETLQ_RAW_BUCKET")
    day = etlq_warehouse.run_date
    try:
        files = raw_record_counts(
            aws.client("s3", etlq_warehouse.aws_endpoint), etlq_warehouse.raw_bucket, source, day
        )
    except EtlqError as exc:
        pytest.fail(str(exc), pytrace=False)
    assert files, f"no raw files for {source} on {day} in s3://{etlq_warehouse.raw_bucket}/raw/{source}/"
    staged = _count(etlq_warehouse.engine, etlq_contract.table, run_date=day)
    quarantined = _count(etlq_warehouse.engine, "audit.quarantine", run_date=day, source=source)
    records = sum(files.values())
    missing = records - staged - quarantined
    assert missing == 0, (
        f"{source} on {day}: {records} raw records in {len(files)} file(s), but {staged} staged + "
        f"{quarantined} quarantined = {staged + quarantined} ({missing:+d} unaccounted)"
    )
