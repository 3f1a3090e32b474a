"""The metrics history store: local JSON lines and an S3 prefix on the moto server."""

from __future__ import annotations

from pathlib import Path

import pytest

from etlq import aws, history
from etlq.errors import EtlqError

RECORDS = [
    {"table": "shop.orders", "run_date": "2026-11-30", "metric": "row_count", "value": 100},
    {"table": "shop.orders", "run_date": "2026-12-01", "metric": "row_count", "value": 120},
    {
        "table": "shop.orders",
        "run_date": "2026-12-01",
        "metric": "null_rate",
        "column": "email",
        "value": 0.25,
    },
    {"table": "shop.items", "run_date": "2026-12-01", "metric": "row_count", "value": 7},
]


def test_file_store_round_trip_and_latest_recording_wins(tmp_path: Path) -> None:
    store = history.open_store(str(tmp_path / "h" / "history.jsonl"))
    assert store.append(RECORDS) == 4
    store.append([{"table": "shop.orders", "run_date": "2026-12-01", "metric": "row_count", "value": 130}])
    assert history.series(store, "shop.orders", "row_count") == [("2026-11-30", 100.0), ("2026-12-01", 130.0)]
    assert history.series(store, "shop.orders", "null_rate", "email") == [("2026-12-01", 0.25)]
    assert history.series(store, "shop.items", "row_count") == [("2026-12-01", 7.0)]


def test_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETLQ_HISTORY", raising=False)
    assert history.open_store() == history.FileStore(Path(".etlq/history.jsonl"))
    monkeypatch.setenv("ETLQ_HISTORY", f"file://{tmp_path}/x.jsonl")
    assert history.open_store() == history.FileStore(tmp_path / "x.jsonl")
    assert history.open_store("s3://b/p") == history.S3Store(
        "b", "p/", history.open_store("s3://b/p").endpoint_url
    )
    with pytest.raises(EtlqError, match="scheme 'ftp' is not a history store"):
        history.open_store("ftp://host/x")
    with pytest.raises(EtlqError, match="names no bucket"):
        history.open_store("s3:///p")


def test_bad_line_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text('{"table": "t", "run_date": "d", "metric": "m", "value": 1}\nnot json\n')
    with pytest.raises(EtlqError, match=r"history.jsonl:2: not a JSON history record"):
        list(history.open_store(str(path)).records())


def test_record_without_value_is_refused_and_nothing_written(tmp_path: Path) -> None:
    store = history.open_store(str(tmp_path / "history.jsonl"))
    with pytest.raises(ValueError, match="lacks value"):
        store.append([RECORDS[0], {"table": "t", "run_date": "d", "metric": "m"}])
    assert list(store.records()) == []


def test_s3_store_round_trip_on_moto(moto_endpoint: str) -> None:
    aws.client("s3", moto_endpoint).create_bucket(Bucket="etlq-history-test")
    store = history.open_store("s3://etlq-history-test/metrics")
    assert isinstance(store, history.S3Store) and store.endpoint_url == moto_endpoint
    store.append(RECORDS[:2])
    store.append(RECORDS[2:])
    keys = [
        o["Key"]
        for o in aws.client("s3", moto_endpoint).list_objects_v2(Bucket="etlq-history-test")["Contents"]
    ]
    assert len(keys) == 2 and all(k.startswith("metrics/") and k.endswith(".jsonl") for k in keys)
    assert history.series(store, "shop.orders", "row_count") == [("2026-11-30", 100.0), ("2026-12-01", 120.0)]
    assert history.series(store, "shop.orders", "null_rate", "email") == [("2026-12-01", 0.25)]
