"""Same seed and arguments -> the same bytes, whatever the write chunk size or worker count."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datagen_support import RUN_DATE, Generated, raw_file

from etlq.datagen.plan import BLOCK_ROWS

SOURCES = ("orders", "customers", "fx_rates")


def digests(out: Path) -> dict[str, str]:
    files = [raw_file(out, s) for s in SOURCES] + [out / "manifest.json"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def test_bytes_do_not_depend_on_chunk_size_or_workers(generated: Generated) -> None:
    rows = 2 * BLOCK_ROWS + 1234  # three logical blocks, the last one partial
    one = generated(rows=rows, defects=0.01, chunk_rows=1000)
    two = generated(rows=rows, defects=0.01, chunk_rows=10_000_000, workers=2)
    assert digests(one) == digests(two)
    header_and_rows = raw_file(one, "orders").read_bytes().count(b"\n")
    assert header_and_rows == 1 + rows + sum(1 for _ in _manifest_rows(one, "orders"))


def _manifest_rows(out: Path, source: str) -> list[int]:
    import json

    doc = json.loads((out / "manifest.json").read_text())
    return [d["line"] for d in doc["defects"] if d["source"] == source]


def test_another_seed_gives_other_values_same_shape(generated: Generated) -> None:
    a = raw_file(generated(rows=500), "orders").read_text().splitlines()
    b = raw_file(generated(rows=500, seed=8), "orders").read_text().splitlines()
    assert a[0] == b[0] == "order_id,customer_id,status,amount,currency,order_date,event_ts"
    assert len(a) == len(b) == 501
    assert a[1:] != b[1:]


def test_defects_only_add_rows(generated: Generated) -> None:
    """The --defects file is the clean file plus exactly the manifest's lines."""
    clean = raw_file(generated(rows=3000), "orders").read_text().splitlines()
    dirty_out = generated(rows=3000, defects=0.05)
    dirty = raw_file(dirty_out, "orders").read_text().splitlines()
    planted = set(_manifest_rows(dirty_out, "orders"))
    assert len(planted) == len(dirty) - len(clean) > 100
    assert [line for n, line in enumerate(dirty, start=1) if n not in planted] == clean


def test_run_date_moves_the_window_and_the_ids(generated: Generated) -> None:
    import datetime as dt

    first = raw_file(generated(rows=50), "orders").read_text().splitlines()[1].split(",")
    later_out = generated(rows=50, run_date=RUN_DATE + dt.timedelta(days=1))
    later_file = later_out / "raw" / "orders" / "run_date=2024-03-02" / "orders.csv"
    later = later_file.read_text().splitlines()[1].split(",")
    assert first[0] == "19783000000001" and later[0] == "19784000000001"  # run day * 10^9 + 1
