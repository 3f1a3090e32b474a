"""Two runs of the same run date at once, on a fresh or a populated database: the second waits
(saying so), nothing is loaded twice, no run is left ``running`` (issue 11, part 4)."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg2
import pytest
from etl_support import D1, DAY

from etl import pipeline
from etl.db import advisory_key, libpq_url
from fixtures.database import query


def _two_at_once(db: str, bucket: str, lock: str) -> list[Any]:
    """Hold advisory lock ``lock`` while two ingests of D1 start, so both queue on it; release."""
    holder = psycopg2.connect(libpq_url(db))
    holder.autocommit = True
    with holder.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_lock({advisory_key(lock)})")
    results: list[Any] = []

    def ingest() -> None:
        try:
            results.append(pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=bucket))
        except Exception as exc:  # noqa: BLE001 - asserted below
            results.append(exc)

    threads = [threading.Thread(target=ingest) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and query(
        db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
    ) != [(2,)]:
        time.sleep(0.02)
    holder.close()  # releases the lock: the two runs go one after the other
    for t in threads:
        t.join(120)
    return results


@pytest.mark.parametrize("populated", [False, True], ids=["fresh", "populated"])
def test_two_runs_of_one_date_at_once_never_double_load(
    populated: bool, db: str, raw_bucket: str, land_day: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    land_day(D1)
    if populated:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    results = _two_at_once(db, raw_bucket, "ingest" if populated else "ddl")
    assert [getattr(r, "status", r) for r in results] == ["succeeded", "succeeded"]
    assert query(db, "SELECT count(*) FROM staging.orders") == [(len(DAY["orders"]),)]
    assert query(db, "SELECT status, count(*) FROM audit.job_runs GROUP BY 1") == [
        ("succeeded", 3 if populated else 2)
    ]
    err = capfd.readouterr().err
    waiting = "another ingest run is in progress" if populated else "another run is creating the ETL's tables"
    assert f"etl: {waiting}; waiting for it to finish" in err
