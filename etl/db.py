"""PostgreSQL access for the ETL: connections, the DDL, and the SQL files of the transforms.

The transforms live in ``etl/sql/*.sql`` as named statements (``-- name: <name>`` opens a
statement), so a data engineer can read and run them by hand; they take psycopg2 parameters
like ``%(run_date)s``.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2.extensions import connection as Connection

from etl.errors import EtlInputError

SQL_DIR = Path(__file__).parent / "sql"
_NAME = re.compile(r"^--\s*name:\s*(\S+)\s*$", re.MULTILINE)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


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
    except psycopg2.OperationalError as exc:
        detail = (str(exc).strip().splitlines() or ["connection failed"])[0]
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


def ensure_schema(conn: Connection) -> None:
    """Apply ``etl/sql/ddl/*.sql`` (all ``IF NOT EXISTS``) unless this version already is."""
    scripts, checksum = _ddl()
    with conn, conn.cursor() as cur:
        if _ddl_applied(cur, checksum):
            return
        # Concurrent CREATE ... IF NOT EXISTS can still collide in the catalogs; serialize.
        cur.execute(f"SELECT pg_advisory_xact_lock({advisory_key('ddl')})")
        if _ddl_applied(cur, checksum):
            return
        for script in scripts:
            cur.execute(script)
        cur.execute("INSERT INTO audit.ddl_applied (checksum) VALUES (%s)", (checksum,))


@cache
def statements(file: str) -> dict[str, str]:
    """Named statements of ``etl/sql/<file>``, in file order."""
    text = (SQL_DIR / file).read_text(encoding="utf-8")
    names = list(_NAME.finditer(text))
    return {
        m.group(1): text[m.end() : names[i + 1].start() if i + 1 < len(names) else len(text)].strip()
        for i, m in enumerate(names)
    }


def execute(cur: Any, file: str, name: str, params: dict[str, Any] | None = None) -> int:
    """Run one named statement; returns its row count (0 when it reports none)."""
    cur.execute(statements(file)[name], params or {})
    return max(cur.rowcount, 0)
