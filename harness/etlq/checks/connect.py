"""Engine or URL -> a connection, with connection failures as one clear ``ConnectionFailed``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from etlq.errors import ConnectionFailed, EtlqError


def db_reason(exc: DBAPIError) -> str:
    """The database's own first line (``relation "x" does not exist``), without SQLAlchemy's wrapping."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]


def normalized_url(url: str) -> URL:
    """``postgresql://`` means psycopg2 here: it is the driver etlq installs (SQLAlchemy 2.1
    would otherwise pick psycopg 3)."""
    parsed = make_url(url)
    return (
        parsed.set(drivername="postgresql+psycopg2")
        if parsed.drivername in ("postgresql", "postgres")
        else parsed
    )


def connect_engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    """An Engine and whether we created it (and so must dispose of it)."""
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    try:
        return create_engine(normalized_url(engine_or_url)), True
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
