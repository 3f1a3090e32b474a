"""Errors a user can cause. The CLI prints them as one line and exits 2; no traceback.
Under ``--format json`` the CLI prints ``error_document(exc)`` on stdout instead (``{"error":
{"message", "where", "fixes"}}``), so a CI step can read what failed without parsing text."""

from __future__ import annotations

import re
from typing import Any

# "path/to/file.yml:12: ..." or "reports/check.json: ..." at the start of a message
_LEADING_PLACE = re.compile(r"^((?:s3://)?[\w.~/@+-]*[/.][\w.~/@+-]*(?::\d+){0,2}):\s")
# "... at postgresql://u@h:5432/db: reason", "... to http://127.0.0.1:5000 ..."
_URL = re.compile(r"\b((?:postgres(?:ql)?(?:\+\w+)?|https?|s3)://[^\s'\"]+?)(?=:\s|[\s'\")]|$)")
_OPTION = re.compile(r"^(?:argument )?(--[\w-]+)")


class EtlqError(Exception):
    """A usage, config, input or connection problem the user can fix.

    ``what`` says what failed and where (file:line, table, column, URL); ``fixes`` lists
    ways to fix it; ``where`` names the place when ``what`` does not start with it.
    ``str()`` is the one line the CLI prints.
    """

    exit_code = 2

    def __init__(self, what: str, *fixes: str, where: str | None = None) -> None:
        self.what = what
        self.fixes = fixes
        self.where = where
        super().__init__(what)

    def __str__(self) -> str:
        if not self.fixes:
            return self.what
        return f"{self.what} (fix: {'; or '.join(self.fixes)})"


class ContractError(EtlqError):
    """A contract file is malformed: message starts with ``file:line:``."""


class ConnectionFailed(EtlqError):
    """The database or an AWS endpoint could not be reached."""


def where_of(exc: Exception, command: str) -> str:
    """The place an error is about: its ``where``, else the file, URL or option its message names,
    else the command."""
    explicit = getattr(exc, "where", None)
    if explicit:
        return str(explicit)
    what = str(getattr(exc, "what", exc))
    for pattern in (_LEADING_PLACE, _URL, _OPTION):
        found = pattern.search(what)
        if found:
            return found.group(1)
    return command


def error_document(exc: Exception, command: str) -> dict[str, Any]:
    """``{"error": {"message", "where", "fixes", "exit_code"}}`` for ``--format json``."""
    return {
        "error": {
            "message": str(getattr(exc, "what", exc)),
            "where": where_of(exc, command),
            "fixes": list(getattr(exc, "fixes", ())),
            "exit_code": getattr(exc, "exit_code", 2),
        }
    }
