"""Create and drop databases on any PostgreSQL server, given by URL (ours or ETLQ_DATABASE_URL's)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg2
import psycopg2.extensions
from psycopg2 import sql
from sqlalchemy.engine import make_url

from etlq.errors import ConnectionFailed


def connect(url: str) -> psycopg2.extensions.connection:
    """An autocommit connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    parsed = make_url(url)
    try:
        conn = psycopg2.connect(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database or "postgres",
            connect_timeout=10,
        )
    except psycopg2.OperationalError as exc:
        reason = " ".join(str(exc).split())
        raise ConnectionFailed(
            f"cannot connect to {parsed.render_as_string(hide_password=True)}: {reason}",
            "start the local server with `etlq env up`",
            "check ETLQ_DATABASE_URL / --url",
        ) from None
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def _cursor(url: str) -> Iterator[psycopg2.extensions.cursor]:
    with contextlib.closing(connect(url)) as conn, conn.cursor() as cur:
        yield cur


def database_url(server_url: str, name: str) -> str:
    """``server_url`` with the database part replaced by ``name``."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """Create database ``name`` (dropping an old one of that name), empty or a copy of
    ``template`` (which must have no sessions); returns its URL."""
    with _cursor(server_url) as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            cur.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
    return database_url(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, disconnecting its sessions."""
    with _cursor(server_url) as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ensure_database(server_url: str, name: str) -> str:
    """Create database ``name`` unless it exists (its data is kept); returns its URL."""
    with _cursor(server_url) as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return database_url(server_url, name)
