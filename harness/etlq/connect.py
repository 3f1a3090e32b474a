"""The one way etlq opens a database: URL -> Engine, with timeouts, redaction and read-only checks.

- A URL is shown only through ``redact`` (never ``repr(url)``): the password is ``***`` even
  when the URL is malformed; ``scrub`` removes a password from any text (a driver's message).
- ``connect_timeout`` defaults to ``DEFAULT_CONNECT_TIMEOUT`` seconds (``ETLQ_CONNECT_TIMEOUT``
  or ``etlq --connect-timeout`` to change it, a ``connect_timeout`` in the URL wins);
  ``statement_timeout`` (``ETLQ_STATEMENT_TIMEOUT`` / ``etlq --statement-timeout``, seconds, 0 =
  none) cancels a statement that runs longer, and the check becomes an ``error`` result.
- ``read_only=True`` (checks, drift, suites in deployed mode): every transaction is begun
  ``READ ONLY`` by the driver, and every statement is parsed before it is sent and refused
  unless it is one read-only statement (``etlq.sqlguard.statement_refusal``): no ``COMMIT``, no
  ``SET … READ WRITE``, no ``set_config``. Nothing a contract says can switch this off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from etlq.errors import ConnectionFailed, EtlqError

DEFAULT_CONNECT_TIMEOUT = 5
URL_FIX = "use postgresql://user:pass@host:port/db (percent-encode special characters in the password)"
# scheme://user:password@ — up to the last @ of the word, so a raw @ in a password is hidden too
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s'\"]*:)[^\s'\"]*@")
_KEYWORD_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)('[^']*'|\S+)", re.IGNORECASE)


class ReadOnlyViolation(EtlqError):
    """A statement a read-only check connection refused to send."""


def scrub(message: str) -> str:
    """``message`` with every URL password and ``password=`` value replaced by ``***``."""
    message = _URL_PASSWORD.sub(lambda m: f"{m['head']}***@", message)
    return _KEYWORD_PASSWORD.sub(lambda m: f"{m['head']}***", message)


def redact(url: str | URL) -> str:
    """``url`` for a message: parsed and rendered without its password, or scrubbed if malformed."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL is still shown, minus anything password-like
        return scrub(url)


def db_reason(exc: DBAPIError) -> str:
    """The database's own first line (``relation "x" does not exist``), without SQLAlchemy's wrapping."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]
    return scrub(reason)


def parse_url(url: str, option: str = "database URL") -> URL:
    """``url`` parsed; ``postgresql://`` means psycopg2 (SQLAlchemy 2.1 would pick psycopg 3)."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a non-numeric port raises only when read
    except (ArgumentError, ValueError) as exc:
        raise EtlqError(f"invalid {option} {redact(url)}: {scrub(str(exc))}", URL_FIX) from None
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise EtlqError(f"{name}={raw!r} is not a number of seconds", f"set {name}=5") from None
    if value < 0:
        raise EtlqError(f"{name}={raw!r} must be >= 0")
    return value


def timeouts() -> tuple[int, int]:
    """(connect timeout in s, statement timeout in ms; 0 = none) from the environment."""
    connect = max(2, round(_seconds("ETLQ_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT)))  # libpq's minimum
    return connect, round(_seconds("ETLQ_STATEMENT_TIMEOUT", 0) * 1000)


def session_args(parsed: URL, read_only: bool) -> dict[str, Any]:
    """libpq connection parameters for etlq's timeouts (and read-only default) on ``parsed``."""
    connect_s, statement_ms = timeouts()
    args: dict[str, Any] = {"application_name": "etlq"}
    if "connect_timeout" not in parsed.query:
        args["connect_timeout"] = connect_s
    options = [str(parsed.query["options"])] if "options" in parsed.query else []  # the URL's own
    if statement_ms:
        options.append(f"-c statement_timeout={statement_ms}")
    if read_only:
        options.append("-c default_transaction_read_only=on")
    if options:
        args["options"] = " ".join(options)
    return args


def make_engine(
    url: str | URL, *, read_only: bool = False, option: str = "database URL", **kw: Any
) -> Engine:
    """An Engine for ``url`` with etlq's timeouts; ``read_only`` as the module docstring says."""
    parsed = url if isinstance(url, URL) else parse_url(url, option)
    try:
        engine = create_engine(parsed, connect_args=session_args(parsed, read_only), **kw)
    except ImportError as exc:
        raise EtlqError(f"no driver for {option}: {exc}", "use postgresql:// (psycopg2)") from None
    except (ArgumentError, ValueError) as exc:
        raise EtlqError(f"invalid {option} {redact(parsed)}: {scrub(str(exc))}", URL_FIX) from None
    if read_only:
        _guard(engine)
    return engine


def _guard(engine: Engine) -> None:
    from etlq.sqlguard import statement_refusal

    @event.listens_for(engine, "connect")
    def _read_only_sessions(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.readonly = True  # psycopg2 then begins every transaction READ ONLY

    @event.listens_for(engine, "before_cursor_execute")
    def _one_read_only_statement(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        refusal = statement_refusal(statement)
        if refusal:
            raise ReadOnlyViolation(
                f"a read-only check connection refused a statement: it {refusal}",
                "checks only read; put writes in the ETL, not in a contract",
            )


def connection_failed(
    engine_or_url: Engine | URL, exc: OperationalError, option: str = ""
) -> ConnectionFailed:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else engine_or_url
    prefix = f"{option} " if option else ""
    reason = db_reason(exc)
    slow = ("on a slow network raise ETLQ_CONNECT_TIMEOUT",) if "timeout" in reason else ()
    return ConnectionFailed(
        f"{prefix}cannot connect to the database at {redact(url)}: {reason}",
        "start it with `etlq env up`",
        "pass --url or set ETLQ_DATABASE_URL",
        *slow,
    )


def open_connection(engine: Engine, option: str = "") -> Connection:
    """``engine.connect()`` with an unreachable database as one ``ConnectionFailed``."""
    try:
        return engine.connect()
    except OperationalError as exc:
        raise connection_failed(engine, exc, option) from None


def checked_engine(url: str, *, read_only: bool = True) -> Engine:
    """An engine that has answered ``SELECT 1``; raises ``ConnectionFailed`` when unreachable."""
    engine = make_engine(url, read_only=read_only)
    try:
        with open_connection(engine) as conn:
            conn.execute(text("SELECT 1"))
    except BaseException:
        engine.dispose()
        raise
    return engine


@contextmanager
def connected(bind: Engine | Connection | str, *, read_only: bool = True) -> Iterator[Connection]:
    """Use ``bind`` if it is a connection, else open (and close) one; an engine made here from a
    URL is ``read_only`` (the default: checks, drift and scaffold only read)."""
    if isinstance(bind, Connection):
        yield bind
        return
    owned = not isinstance(bind, Engine)
    engine = make_engine(bind, read_only=read_only) if isinstance(bind, str) else bind
    try:
        with open_connection(engine) as conn:
            yield conn
    finally:
        if owned:
            engine.dispose()
