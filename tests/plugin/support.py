"""Helpers for running pytest inside pytest (pytester) with the etlq plugin."""

from __future__ import annotations

from pathlib import Path

import pytest


def deployed_args(url: str, contracts: Path, *more: str) -> list[str]:
    return [
        "--etlq-mode=deployed",
        f"--etlq-url={url}",
        f"--etlq-contracts={contracts}",
        "-p",
        "no:cacheprovider",
        *more,
    ]


def outcomes(result: pytest.RunResult) -> dict[str, int]:
    """The summary line's counts without Python warnings (an in-process inner session warns that
    the already imported etlq packages cannot be re-marked for assertion rewriting)."""
    return {k: v for k, v in result.parseoutcomes().items() if k != "warnings"}
