"""Errors a user can cause. The CLI prints them as one line and exits 2; no traceback."""

from __future__ import annotations


class EtlqError(Exception):
    """A usage, config, input or connection problem the user can fix.

    ``what`` says what failed and where (file:line, table, column, URL); ``fixes`` lists
    ways to fix it. ``str()`` is the one line the CLI prints.
    """

    exit_code = 2

    def __init__(self, what: str, *fixes: str) -> None:
        self.what = what
        self.fixes = fixes
        super().__init__(what)

    def __str__(self) -> str:
        if not self.fixes:
            return self.what
        return f"{self.what} (fix: {'; or '.join(self.fixes)})"


class ContractError(EtlqError):
    """A contract file is malformed: message starts with ``file:line:``."""


class ConnectionFailed(EtlqError):
    """The database or an AWS endpoint could not be reached."""
