"""The metrics history in a PostgreSQL database of its own (issue 13): ``--history postgresql://...``.

``postgresql://writer:pw@host:5432/metrics?schema=etlq_history`` (``schema`` defaults to
``etlq_history``; the parameter is etlq's, never sent to libpq). The store is never the
checked database's connection: that one may be read-only, this one must accept INSERTs.

- One table, ``<schema>.metrics``: one row per recorded metric; created on the first append
  with ``CREATE ... IF NOT EXISTS`` under an advisory lock (two first runs at once do not
  collide), and not touched at all when it already exists, so a role with only ``USAGE`` on the
  schema and ``SELECT, INSERT`` on the table (and ``USAGE`` on its id sequence) can record.
- Append-only: etlq only ever INSERTs and SELECTs; a rerun of a run date adds rows, and the
  latest recording of a date wins when it is read (``etlq.history.series_of``).
- The URL's password never appears in a message: URLs are shown through ``connect.redact``
  and a driver's reason through ``connect.db_reason`` (scrubbed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from etlq.connect import db_reason, make_engine, parse_url, redact
from etlq.errors import EtlqError

DEFAULT_SCHEMA = "etlq_history"
TABLE = "metrics"
SCHEMES = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# record keys with a column of their own; anything else goes to ``extra``
_COLUMNS = {"column": "column_name", "check": "check_id", "outcome": "outcome"}
FIX = "check --history / ETLQ_HISTORY (postgresql://user:pass@host:port/db?schema=etlq_history)"


@dataclass(frozen=True)
class PgStore:
    """``url``: the store's connection URL (a SQLAlchemy URL: its repr hides the password)."""

    url: URL
    schema: str = DEFAULT_SCHEMA

    @property
    def where(self) -> str:
        return f"history store {redact(self.url)} (schema {self.schema})"

    def _engine(self) -> Engine:
        return make_engine(self.url, option="history URL", pool_pre_ping=False)

    def _fail(self, doing: str, exc: DBAPIError) -> EtlqError:
        return EtlqError(f"{self.where}: cannot {doing}: {db_reason(exc)}", FIX)

    def _qualified(self) -> str:
        return f'"{self.schema}"."{TABLE}"'

    def _ensure(self, conn: Any) -> None:
        if conn.execute(text("SELECT to_regclass(:t)"), {"t": self._qualified()}).scalar() is not None:
            return
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"etlq:{self.schema}"})
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {self._qualified()} ("
                " id bigserial PRIMARY KEY,"
                " recorded_at timestamptz NOT NULL,"
                " table_name text NOT NULL,"
                " run_date date NOT NULL,"
                " metric text NOT NULL,"
                " column_name text,"
                " check_id text,"
                " outcome text,"
                " value double precision NOT NULL,"
                " extra jsonb NOT NULL DEFAULT '{}')"
            )
        )
        conn.execute(
            text(
                f'CREATE INDEX IF NOT EXISTS "{TABLE}_table_date" ON {self._qualified()}'
                " (table_name, run_date)"
            )
        )

    def append(self, records: Iterable[Mapping[str, Any]]) -> int:
        from etlq.history import _checked, _now

        rows = [_row(r) for r in _checked(records, _now())]
        if not rows:
            return 0
        engine = self._engine()
        try:
            with engine.begin() as conn:
                self._ensure(conn)
                conn.execute(
                    text(
                        f"INSERT INTO {self._qualified()} (recorded_at, table_name, run_date, metric,"
                        " column_name, check_id, outcome, value, extra) VALUES (:recorded_at,"
                        " :table_name, :run_date, :metric, :column_name, :check_id, :outcome, :value,"
                        " CAST(:extra AS jsonb))"
                    ),
                    rows,
                )
        except DBAPIError as exc:
            raise self._fail("record metrics", exc) from None
        finally:
            engine.dispose()
        return len(rows)

    def records(self) -> Iterator[dict[str, Any]]:
        engine = self._engine()
        try:
            with engine.connect() as conn:
                if conn.execute(text("SELECT to_regclass(:t)"), {"t": self._qualified()}).scalar() is None:
                    return  # nothing recorded yet: the table comes with the first append
                rows = conn.execute(
                    text(
                        "SELECT recorded_at, table_name, run_date, metric, column_name, check_id,"
                        f" outcome, value, extra FROM {self._qualified()} ORDER BY id"
                    )
                ).all()
        except DBAPIError as exc:
            raise self._fail("read the history", exc) from None
        finally:
            engine.dispose()
        for row in rows:
            yield _record(dict(row._mapping))


def _row(record: Mapping[str, Any]) -> dict[str, Any]:
    known = {"table", "run_date", "metric", "value", "recorded_at", *_COLUMNS}
    row = {
        "recorded_at": dt.datetime.fromisoformat(record["recorded_at"]),
        "table_name": record["table"],
        "run_date": dt.date.fromisoformat(str(record["run_date"])),
        "metric": record["metric"],
        "value": record["value"],
        "extra": json.dumps({k: v for k, v in record.items() if k not in known}, sort_keys=True),
    }
    row |= {name: record.get(key) for key, name in _COLUMNS.items()}
    return row


def _record(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "table": row["table_name"],
        "run_date": row["run_date"].isoformat(),
        "metric": row["metric"],
        "value": float(row["value"]),
        "recorded_at": row["recorded_at"].astimezone(dt.UTC).isoformat(timespec="microseconds"),
    }
    out |= {key: row[name] for key, name in _COLUMNS.items() if row[name] is not None}
    return {**(row["extra"] or {}), **out}


def open_pg(url: str) -> PgStore:
    """The store ``url`` names; ``?schema=`` picks the schema (a bad one is an ``EtlqError``)."""
    parsed = parse_url(url, "history URL")
    query = dict(parsed.query)
    schema = query.pop("schema", DEFAULT_SCHEMA)
    if not isinstance(schema, str) or not _IDENT.match(schema):
        raise EtlqError(
            f"history URL {redact(parsed)}: schema {schema!r} is not a plain lower-case identifier",
            "use ?schema=etlq_history (letters, digits, _)",
        )
    return PgStore(parsed.set(query=query), schema)
