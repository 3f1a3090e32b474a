"""Errors the ETL raises on purpose. Job entry points print them as one line and exit.

Anything else is a bug or an infrastructure failure and keeps its traceback.
"""

from __future__ import annotations

from typing import Any


class EtlError(Exception):
    """Base: ``str()`` is the one line printed; ``exit_code`` is the process exit code."""

    exit_code = 2

    def __init__(self, what: str, *fixes: str) -> None:
        self.what = what
        self.fixes = fixes
        # Jobs that finished before the failure (set by etl.pipeline.run), for the summary.
        self.results: list[Any] = []
        # Recorded in audit.job_runs.details of the failed run.
        self.details: dict[str, Any] = {}
        super().__init__(what)

    def __str__(self) -> str:
        if not self.fixes:
            return self.what
        return f"{self.what} (fix: {'; or '.join(self.fixes)})"


class EtlInputError(EtlError):
    """Missing bucket, raw files, secret or database: the input is wrong, not the data. Exit 2."""

    exit_code = 2


class QualityGateFailed(EtlError):
    """An error-severity expectation failed between silver and gold; gold was not touched. Exit 1."""

    exit_code = 1
