"""Helpers shared by the foreign-schema tests (imported by name: conftest modules collide)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etlq import cli as etlq_cli
from fixtures.database import query  # noqa: F401  (re-exported for the tests here)

HERE = Path(__file__).parent
SCHEMA_SQL = (HERE / "schema.sql").read_text(encoding="utf-8")
DATA_MARKER = "-- data ----"
# the schema alone (types, domains, tables, partitions, the view), without the data load
SCHEMA_DDL = SCHEMA_SQL.split(DATA_MARKER, 1)[0]
SCHEMAS = ("library", "Sales")
MASK_KEY = "foreign-mask-key-0123456789"
COMMANDS = ("contract", "drift", "check", "export", "sanitize")


@dataclass(frozen=True)
class Drafts:
    """``etlq contract init`` of every schema: the directory and what each run said."""

    path: Path
    runs: dict[str, tuple[int, str, str]]  # schema -> (exit code, stdout, stderr)


@contextlib.contextmanager
def _only_commands() -> Iterator[None]:
    saved = etlq_cli.COMMANDS
    etlq_cli.COMMANDS = COMMANDS  # the dispatcher imports only these sub-command modules
    try:
        yield
    finally:
        etlq_cli.COMMANDS = saved


def etlq(*argv: str) -> tuple[int, str, str]:
    """``etlq <argv>`` in-process through the real dispatcher: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with _only_commands(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = etlq_cli.main(list(argv))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def etlq_json(*argv: str) -> tuple[int, Any]:
    code, out, err = etlq(*argv, "--format", "json")
    assert out, f"no output (exit {code}): {err}"
    return code, json.loads(out)


def foreign_keys(url: str) -> set[tuple[str, str, str]]:
    """Every foreign key of the user schemas as (child table, parent table, definition)."""
    rows = query(
        url,
        """SELECT conrelid::regclass::text, confrelid::regclass::text, pg_get_constraintdef(oid)
           FROM pg_constraint WHERE contype = 'f'
             AND connamespace::regnamespace::text NOT IN ('pg_catalog', 'information_schema')
             AND conparentid = 0""",
    )
    return {(child, parent, definition) for child, parent, definition in rows}
