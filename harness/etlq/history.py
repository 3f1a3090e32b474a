"""The metrics history store (issue 13, step 1): where per-table, per-run-date metrics go.

A history URL names the store, never the checked database (that one may be read-only):

- ``postgresql://user:pass@host/db?schema=etlq_history``: a table in a database of its own
  (``etlq.history_pg``; ``schema`` defaults to ``etlq_history``);
- ``s3://bucket/prefix``: one JSON-lines object per recording under ``prefix/``;
- ``file:///path/history.jsonl`` or a plain path: one local JSON-lines file;
- nothing: ``ETLQ_HISTORY``, else the embedded default ``.etlq/history.jsonl`` here.

A record is one metric of one table on one run date:
``{"table": "shop.orders", "run_date": "2026-12-04", "metric": "row_count", "value": 120.0}``
(with ``recorded_at``, and ``column`` / ``check`` where the metric is about one).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from etlq import aws
from etlq.connect import redact
from etlq.env.state import resolve_aws_endpoint
from etlq.errors import EtlqError
from etlq.history_pg import SCHEMES, PgStore, open_pg

DEFAULT_PATH = Path(".etlq") / "history.jsonl"
REQUIRED = ("table", "run_date", "metric", "value")


def resolve_url(explicit: str | None = None) -> str:
    """``explicit`` (``--history``), else ``ETLQ_HISTORY``, else the embedded local default."""
    return explicit or os.environ.get("ETLQ_HISTORY") or str(DEFAULT_PATH)


def _checked(records: Iterable[Mapping[str, Any]], now: str) -> list[dict[str, Any]]:
    out = []
    for record in records:
        missing = [key for key in REQUIRED if key not in record]
        if missing:
            raise ValueError(f"history record {dict(record)!r} lacks {', '.join(missing)}")
        out.append({"recorded_at": now, **record, "value": float(record["value"])})
    return out


def _parse(lines: Iterable[str], where: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise EtlqError(
                f"{where}:{number}: not a JSON history record ({exc.msg})",
                "remove or repair that line",
            ) from None


@dataclass(frozen=True)
class FileStore:
    path: Path

    def append(self, records: Iterable[Mapping[str, Any]]) -> int:
        rows = _checked(records, _now())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
        with self.path.open("a", encoding="utf-8") as handle:  # one write: no half records
            handle.write(text)
        return len(rows)

    def records(self) -> Iterator[dict[str, Any]]:
        if self.path.exists():
            yield from _parse(self.path.read_text(encoding="utf-8").splitlines(), str(self.path))


@dataclass(frozen=True)
class S3Store:
    bucket: str
    prefix: str
    endpoint_url: str | None

    def _client(self) -> Any:
        return aws.client("s3", self.endpoint_url)

    def append(self, records: Iterable[Mapping[str, Any]]) -> int:
        now = _now()
        rows = _checked(records, now)
        if rows:
            key = f"{self.prefix}{now.replace(':', '')}-{uuid.uuid4().hex[:8]}.jsonl"
            body = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
            self._client().put_object(Bucket=self.bucket, Key=key, Body=body.encode())
        return len(rows)

    def records(self) -> Iterator[dict[str, Any]]:
        client = self._client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        keys = sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))
        for key in keys:
            body = client.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()
            yield from _parse(body.splitlines(), f"s3://{self.bucket}/{key}")


Store = FileStore | S3Store | PgStore


def open_store(url: str | None = None) -> Store:
    """The store a history URL names (see the module docstring); a bad URL is an ``EtlqError``."""
    resolved = resolve_url(url)
    parsed = urlparse(resolved)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise EtlqError(f"history URL {resolved!r} names no bucket", "use s3://bucket/prefix")
        prefix = parsed.path.lstrip("/")
        prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        return S3Store(parsed.netloc, prefix, resolve_aws_endpoint(None))
    if parsed.scheme in SCHEMES:
        return open_pg(resolved)
    if parsed.scheme == "file":
        return FileStore(Path(parsed.path))
    if parsed.scheme:
        raise EtlqError(
            f"history URL {redact(resolved)}: scheme {parsed.scheme!r} is not a history store",
            "use postgresql://user:pass@host/db?schema=etlq_history, s3://bucket/prefix,"
            " file:///path/history.jsonl or a local path",
        )
    return FileStore(Path(resolved))


def series(store: Store, table: str, metric: str, column: str | None = None) -> list[tuple[str, float]]:
    """``(run_date, value)`` of one metric, oldest first; a later recording of a date wins."""
    return series_of(store.records(), table, metric, column)


def series_of(
    records: Iterable[Mapping[str, Any]], table: str, metric: str, column: str | None
) -> list[tuple[str, float]]:
    latest: dict[str, tuple[str, float]] = {}
    for record in records:
        if record["table"] == table and record["metric"] == metric and record.get("column") == column:
            seen = latest.get(record["run_date"])
            if seen is None or record.get("recorded_at", "") >= seen[0]:
                latest[record["run_date"]] = (record.get("recorded_at", ""), float(record["value"]))
    return [(day, value) for day, (_, value) in sorted(latest.items())]


@dataclass
class HistoryRun:
    """One check run's view of the history: the past it is judged against (read once, on first
    use) and the metrics it records (``recorded``, written by ``flush`` in one append)."""

    store: Store
    run_date: str
    record: bool = True
    recorded: list[dict[str, Any]] = field(default_factory=list)
    _past: list[dict[str, Any]] | None = None

    def series(self, table: str, metric: str, column: str | None) -> list[tuple[str, float]]:
        if self._past is None:
            self._past = list(self.store.records())
        return series_of(self._past, table, metric, column)

    def add(self, table: str, metric: str, value: float | None, **extra: Any) -> None:
        if self.record and value is not None:
            self.recorded.append(
                {"table": table, "run_date": self.run_date, "metric": metric, "value": value, **extra}
            )

    def flush(self) -> int:
        written = self.store.append(self.recorded) if self.recorded else 0
        self.recorded = []
        return written


def parse_run_date(text: str | None) -> str:
    """``--run-date`` as ISO text; today's UTC date when not given."""
    if text is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise EtlqError(f"--run-date {text!r} is not a date", "use YYYY-MM-DD") from None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
