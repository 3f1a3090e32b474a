"""Engine or URL -> a connection, with connection failures as one clear ``ConnectionFailed``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from harness.errors import ConnectionFailed, EtlqError


def db_reason(exc: DBAPIError) -> str:
    """The database's own first line (``relation "x" does not exist``), without SQLAlchemy's wrapping."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]


def connect_engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    """An Engine and whether we created it (and so must dispose of it)."""
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    try:
        return create_engine(make_url(engine_or_url)), True
    except (ArgumentError, ValueError) as exc:
        raise EtlqError(
            f"invalid database URL {engine_or_url!r}: {exc}", "use postgresql://user:pass@host:port/db"
        ) from None
    except ImportError as exc:
        raise EtlqError(f"no driver for database URL: {exc}", "use postgresql:// (psycopg2)") from None


def connection_failed(engine: Engine, exc: OperationalError) -> ConnectionFailed:
    where = engine.url.render_as_string(hide_password=True)
    return ConnectionFailed(
        f"cannot connect to the database at {where}: {db_reason(exc)}",
        "start it with `etlq env up`",
        "pass --url or set ETLQ_DATABASE_URL",
    )


@contextmanager
def connected(bind: Engine | Connection | str) -> Iterator[Connection]:
    """Use ``bind`` if it is a connection, else open (and close) one."""
    if isinstance(bind, Connection):
        yield bind
        return
    engine, owned = connect_engine(bind)
    try:
        try:
            conn = engine.connect()
        except OperationalError as exc:
            raise connection_failed(engine, exc) from None
        with conn:
            yield conn
    finally:
        if owned:
            engine.dispose()
