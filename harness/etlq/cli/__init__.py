"""The ``etlq`` command line. Each sub-command lives in its own module of this package and
exposes ``add_parser(subparsers)``; the parser it adds sets ``func(args) -> int``.

Exit codes: 0 all error-severity checks passed, 1 a check failed, 2 usage/config/connection error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from etlq.errors import EtlqError

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
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's default exits 2 with usage; keep one line
        self.exit(2, f"etlq: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="etlq",
        description="etlq: contracts, checks, drift, test data and suites for Glue -> RDS PostgreSQL ETL.",
        epilog="Exit codes: 0 passed, 1 a check failed or breaking drift, 2 usage/config/connection error. "
        "See README.md and docs/.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"etlq.cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except EtlqError as exc:  # one line with the fix, no traceback (a pipeline's own: PipelineFailed)
        print(f"etlq: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("etlq: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
