"""Errors a user can cause. The CLI prints them as one line and exits 2; no traceback.
Under ``--format json`` the CLI prints ``error_document(exc)`` on stdout instead (``{"error":
{"message", "where", "fixes"}}``), so a CI step can read what failed without parsing text."""

from __future__ import annotations

import re
from typing import Any, TypeVar

# "path/to/file.yml:12: ..." or "reports/check.json: ..." at the start of a message
E = TypeVar("E", bound=Exception)
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

    problems: tuple[ContractError, ...] = ()


class ContractProblems(ContractError):
    """Every mistake found in the contracts at once, each a one-line ``ContractError``.

    ``str()`` is the first with a count of the rest; the CLI prints each on its own line and
    ``--format json`` lists them under ``problems``.
    """

    def __init__(self, problems: list[ContractError]) -> None:
        first = problems[0]
        more = len(problems) - 1
        super().__init__(
            f"{first.what} (and {more} more contract problem{'s' if more > 1 else ''}:"
            " `etlq contract validate` lists them all)",
            *first.fixes,
            where=first.where,
        )
        self.problems = tuple(problems)


def contract_problems(problems: list[ContractError]) -> ContractError | None:
    """One error for ``problems`` (None when there are none); nested lists are flattened."""
    flat = [leaf for p in problems for leaf in (p.problems or (p,))]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else ContractProblems(flat)


class ConnectionFailed(EtlqError):
    """The database or an AWS endpoint could not be reached."""


def where_of(exc: Exception, command: str) -> str:
    """The place an error is about: its ``where``, else the file, URL or option its message names,
    else the command."""
    explicit = getattr(exc, "where", None)
    if explicit:
        return str(explicit)
    what = str(getattr(exc, "what", exc))
    urls = _URL.findall(what)
    if isinstance(exc, ConnectionFailed) and urls:  # "cannot write s3://b/k at http://endpoint": the endpoint
        return str(urls[-1])
    for pattern in (_LEADING_PLACE, _URL, _OPTION):
        found = pattern.search(what)
        if found:
            return found.group(1)
    return command


def _default_fixes(exc: Exception, command: str) -> list[str]:
    """A fix for errors whose message is the whole story (most contract mistakes name the key)."""
    if isinstance(exc, ContractError):
        return [f"correct the contract at {where_of(exc, command)} (docs/contracts.md lists every key)"]
    return [f"see `{command} --help`"]


def error_document(exc: Exception, command: str) -> dict[str, Any]:
    """``{"error": {"message", "where", "fixes", "exit_code"}}`` for ``--format json``; several
    contract mistakes found at once are also listed under ``problems`` (message, where each)."""
    error: dict[str, Any] = {
        "message": str(getattr(exc, "what", exc)),
        "where": where_of(exc, command),
        "fixes": list(getattr(exc, "fixes", ())) or _default_fixes(exc, command),
        "exit_code": getattr(exc, "exit_code", 2),
    }
    problems = getattr(exc, "problems", ())
    if problems:
        error["problems"] = [{"message": str(p), "where": where_of(p, command)} for p in problems]
    return {"error": error}


def renamed_options(exc: EtlqError | Any, names: dict[str, str]) -> EtlqError:
    """``exc`` with option names in its message and fixes renamed for where the user is, e.g.
    ``--contracts`` -> ``--etlq-contracts`` under pytest, Glue's ``--raw_bucket`` -> ``--bucket``."""
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])")

    def rename(text: str) -> str:
        return pattern.sub(lambda m: names[m.group(1)], text)

    renamed = EtlqError(
        rename(str(getattr(exc, "what", exc))),
        *(rename(f) for f in getattr(exc, "fixes", ())),
        where=getattr(exc, "where", None),
    )
    renamed.exit_code = getattr(exc, "exit_code", 2)
    return renamed


# The etlq command line's options as the pytest plugin spells them.
PYTEST_OPTIONS = {
    "--contracts": "--etlq-contracts",
    "--url": "--etlq-url",
    "--aws-endpoint": "--etlq-aws-endpoint",
    "--run-date": "--etlq-run-date",
    "--bucket": "--etlq-raw-bucket",
    "--sample-limit": "--etlq-sample-limit",
}


# What a database's refusal means, and the fix that follows, by the driver's own words.
_DB_REFUSALS = (
    (
        re.compile(r"password authentication failed|role \S+ does not exist|no password supplied"),
        "check the user name and password in {source}",
    ),
    (
        re.compile(r"database \S+ does not exist"),
        "create that database, or fix the name at the end of {source}",
    ),
    (re.compile(r"SSL|certificate", re.IGNORECASE), "check sslmode= in {source}"),
)


def database_fixes(exc: E, source: str, local: bool) -> E | ConnectionFailed:
    """A database connection failure with fixes for what the user gave: the URL's ``source``
    (``--url``, ``ETLQ_DATABASE_URL``, ...) and whether it is `etlq env up`'s local server."""
    if not isinstance(exc, ConnectionFailed) or "database" not in exc.what:
        return exc
    fixes = [fix.format(source=source) for pattern, fix in _DB_REFUSALS if pattern.search(exc.what)]
    if not fixes:  # unreachable: refused, timed out, unknown host
        fixes = (
            ["start it with `etlq env up` (or check `etlq env status`)"]
            if local
            else [f"check the host and port in {source} and that the server accepts connections from here"]
        )
    refined = ConnectionFailed(exc.what, *fixes, where=exc.where)
    refined.exit_code = exc.exit_code
    return refined
