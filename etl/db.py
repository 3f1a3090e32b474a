"""PostgreSQL access for the ETL: connections, the DDL, and the SQL files of the transforms.

The transforms live in ``etl/sql/*.sql`` as named statements (``-- name: <name>`` opens a
statement), so a data engineer can read and run them by hand; they take psycopg2 parameters
like ``%(run_date)s``.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2.extensions import connection as Connection

from etl.errors import EtlInputError

SQL_DIR = Path(__file__).parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*(\S+)\s*$", re.MULTILINE)


# scheme://user:password@ up to the last @ of the word, so even a malformed URL shows no password
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*:)[^\s'\"]*@")
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` (a URL, or a message quoting one) with every password replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***@", text)
    return _KEYWORD_PASSWORD.sub(lambda m: f"{m['head']}***", text)


def libpq_url(url: str) -> str:
    """SQLAlchemy spells the driver into the scheme (``postgresql+psycopg2://``); libpq does not."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}" if sep else url


def sqlalchemy_url(url: str) -> str:
    scheme, sep, rest = libpq_url(url).partition("://")
    return f"postgresql+psycopg2://{rest}" if sep and scheme in {"postgres", "postgresql"} else url


def connect(url: str) -> Connection:
    """A connection in a transaction-per-``commit()`` mode (psycopg2's default)."""
    try:
        return psycopg2.connect(libpq_url(url), connect_timeout=10, application_name="etlq-etl")
    except psycopg2.Error as exc:  # OperationalError (unreachable) or ProgrammingError (bad URL)
        detail = redact((str(exc).strip().splitlines() or ["connection failed"])[0])
        raise EtlInputError(
            f"cannot connect to PostgreSQL at {redact(url)}: {detail}",
            "start the database (locally: etlq env up)",
            "check the host, port and credentials in the URL or the --db_secret_id secret",
        ) from None


def advisory_key(name: str) -> str:
    """SQL for a stable 64-bit advisory lock key derived from ``name``."""
    return f"hashtextextended('etlq.{name}', 0)"


@cache
def _ddl() -> tuple[tuple[str, ...], str]:
    scripts = tuple(p.read_text(encoding="utf-8") for p in sorted((SQL_DIR / "ddl").glob("*.sql")))
    return scripts, hashlib.sha256("\0".join(scripts).encode("utf-8")).hexdigest()


def _ddl_applied(cur: Any, checksum: str) -> bool:
    cur.execute("SELECT to_regclass('audit.ddl_applied') IS NOT NULL")
    if not cur.fetchone()[0]:
        return False
    cur.execute("SELECT EXISTS (SELECT 1 FROM audit.ddl_applied WHERE checksum = %s)", (checksum,))
    return bool(cur.fetchone()[0])


def session_lock(conn: Connection, name: str, waiting: str) -> None:
    """Take the session advisory lock ``name`` (outside any transaction); if another session
    holds it, say ``waiting`` on stderr once and wait for it."""
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT pg_try_advisory_lock({advisory_key(name)})")
        if cur.fetchone()[0]:
            return
    print(f"etl: {waiting}; waiting for it to finish", file=sys.stderr, flush=True)
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_lock({advisory_key(name)})")


def session_unlock(conn: Connection, name: str) -> None:
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_unlock({advisory_key(name)})")


def ensure_schema(conn: Connection) -> None:
    """Apply ``etl/sql/ddl/*.sql`` (all ``IF NOT EXISTS``) unless this version already is.

    Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogs, so the DDL runs
    under a session lock, and the re-check runs in a transaction begun AFTER the lock was
    granted: one that began before it would keep a catalog snapshot from before the other
    session's commit (``to_regclass`` would still say the table does not exist).
    """
    scripts, checksum = _ddl()
    with conn, conn.cursor() as cur:
        if _ddl_applied(cur, checksum):
            return
    session_lock(conn, "ddl", "another run is creating the ETL's tables")
    try:
        with conn, conn.cursor() as cur:
            if _ddl_applied(cur, checksum):
                return
            for script in scripts:
                cur.execute(script)
            cur.execute("INSERT INTO audit.ddl_applied (checksum) VALUES (%s)", (checksum,))
    finally:
        session_unlock(conn, "ddl")


@cache
def statements(file: str) -> dict[str, str]:
    """Named statements of ``etl/sql/<file>``, in file order."""
    text = (SQL_DIR / file).read_text(encoding="utf-8")
    names = list(_NAME.finditer(text))
    return {
        m.group(1): text[m.end() : names[i + 1].start() if i + 1 < len(names) else len(text)].strip()
        for i, m in enumerate(names)
    }


# Statements replaced for the calls made inside ``replaced(...)`` (this thread or task only):
# qualified name (``silver.merge_order_events``, ``ingest.typing_orders``) -> SQL text.
_REPLACED: ContextVar[Mapping[str, str] | None] = ContextVar("etl_sql_replaced", default=None)


@contextlib.contextmanager
def replaced(sql: Mapping[str, str] | None) -> Iterator[None]:
    """Run the ETL with some statements replaced (a run's ``sql`` option), never touching the files.

    ``sql`` maps a statement's qualified name (see ``statement_names``) to the SQL to run in its
    place; an unknown name is an error, so a typo never silently tests the original.
    """
    unknown = sorted(set(sql or {}) - set(statement_names()))
    if unknown:
        raise EtlInputError(
            f"sql option names unknown statement(s): {', '.join(unknown)}",
            f"known: {', '.join(statement_names())}",
        )
    token = _REPLACED.set(dict(sql or {}))
    try:
        yield
    finally:
        _REPLACED.reset(token)


def sql_of(qualified: str, default: str) -> str:
    """The SQL to run for statement ``qualified``: its replacement inside ``replaced``, else ``default``."""
    return (_REPLACED.get() or {}).get(qualified, default)


def qualified(file: str, name: str) -> str:
    """``silver.sql``, ``merge_order_events`` -> ``silver.merge_order_events``."""
    return f"{file.removesuffix('.sql')}.{name}"


TRANSFORM_FILES = ("silver.sql", "gold.sql")


def replaceable() -> dict[str, str]:
    """Every statement the ETL runs that a run may replace, by qualified name: the transforms'
    and ingest's typing (``ingest.typing_<source>``)."""
    from etl.ingest import typing_statements  # ingest imports this module

    named = {qualified(f, n): sql for f in TRANSFORM_FILES for n, sql in statements(f).items()}
    return named | typing_statements()


def statement_names() -> list[str]:
    return list(replaceable())


def execute(cur: Any, file: str, name: str, params: dict[str, Any] | None = None) -> int:
    """Run one named statement (or its replacement); returns its row count (0 when it reports none)."""
    cur.execute(sql_of(qualified(file, name), statements(file)[name]), params or {})
    return max(cur.rowcount, 0)
