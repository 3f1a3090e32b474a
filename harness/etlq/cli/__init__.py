"""The ``etlq`` command line. Each sub-command lives in its own module of this package and
exposes ``add_parser(subparsers)``; the parser it adds sets ``func(args) -> int``.

Exit codes: 0 all error-severity checks passed, 1 a check failed, 2 usage/config/connection error.
Errors are one line on stderr; with ``--format json`` they are a JSON object on stdout instead.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import NoReturn

from etlq.connect import scrub
from etlq.errors import EtlqError, database_fixes, error_document
from etlq.extras import MissingExtra

# Sub-command modules, in the order `etlq --help` lists them.
COMMANDS: tuple[str, ...] = (
    "demo",
    "env",
    "etl",
    "generate",
    "sanitize",
    "contract",
    "drift",
    "check",
    "export",
    "publish",
    "report",
    "mutate",
    "scenario",
    "history",
)


class UsageError(EtlqError):
    """What argparse rejected; printed as argparse's own line plus where to read the usage."""

    def __str__(self) -> str:
        return f"{self.what} ({self.fixes[0]})"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's default prints usage; keep one line
        raise UsageError(message, f"see `{self.prog} --help`", where=self.prog)


def _version() -> str:
    try:
        return metadata.version("etlq")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="etlq",
        description="etlq: contracts, checks, drift, test data and suites for Glue -> RDS PostgreSQL ETL.",
        epilog="Exit codes: 0 passed, 1 a check failed or breaking drift, 2 usage/config/connection error. "
        "See README.md and docs/.",
    )
    parser.add_argument("--version", action="version", version=f"etlq {_version()}")
    parser.add_argument(
        "--connect-timeout",
        type=float,
        metavar="S",
        help="seconds to wait for a database connection (default 5; env ETLQ_CONNECT_TIMEOUT)",
    )
    parser.add_argument(
        "--statement-timeout",
        type=float,
        metavar="S",
        help="cancel a statement after S seconds; a check over it is an error (env ETLQ_STATEMENT_TIMEOUT)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"etlq.cli.{name}")
        module.add_parser(sub)
    return parser


def _json_requested(argv: Sequence[str]) -> bool:
    return any(
        a == "--format=json" or (a == "--format" and argv[i + 1 : i + 2] == ["json"])
        for i, a in enumerate(argv)
    )


def _url_source(argv: Sequence[str]) -> str | None:
    """Where the database URL came from: the options given, else ETLQ_DATABASE_URL; None: `env up`'s."""
    given = [o for o in ("--url", "--source-url", "--target-url") if any(a.split("=")[0] == o for a in argv)]
    if given:
        return " / ".join(given)
    return "ETLQ_DATABASE_URL" if os.environ.get("ETLQ_DATABASE_URL") else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["etlq", *[a for a in argv if not a.startswith("-")][:1]])
    try:
        args = build_parser().parse_args(argv)
        # environment, so engines made anywhere below (and subprocesses: the ETL, GX) see them
        for name, value in (("CONNECT", args.connect_timeout), ("STATEMENT", args.statement_timeout)):
            if value is not None:
                os.environ[f"ETLQ_{name}_TIMEOUT"] = str(value)
        return int(args.func(args))
    except EtlqError as error:  # one line with the fix, no traceback (a pipeline's own: PipelineFailed)
        if isinstance(error, MissingExtra):  # "etlq check (the GX engine): needs the 'gx' extra: ..."
            error = error.in_command(command)
        source = _url_source(argv)
        exc = database_fixes(error, source or "the URL `etlq env up` wrote", local=source is None)
        if _json_requested(argv):  # CI reads this: same exit code, the error as data on stdout
            print(scrub(json.dumps(error_document(exc, command), indent=2)))
        else:  # several contract mistakes found at once: one line each
            for problem in getattr(exc, "problems", ()) or (exc,):
                print(f"etlq: error: {scrub(str(problem))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("etlq: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
