"""The plugin's settings: read once from command-line options and ini keys into a frozen dataclass.

Every setting exists both as ``--etlq-<name>`` and as the ini key ``etlq_<name>``; the command
line wins over the ini file, the ini file over the default.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from etlq.errors import EtlqError

Mode = Literal["local", "deployed"]
WarnPolicy = Literal["report", "fail", "ignore"]
CONFIG_KEY = pytest.StashKey["EtlqConfig"]()
MODES: tuple[Mode, ...] = ("local", "deployed")
WARN_POLICIES: tuple[WarnPolicy, ...] = ("report", "fail", "ignore")

# (name, help, default) — plugin.py turns each into `--etlq-<name>` and ini key `etlq_<name>`.
SETTINGS: tuple[tuple[str, str, str | None], ...] = (
    ("url", "database URL to check (deployed mode); default ETLQ_DATABASE_URL or `etlq env up`'s URL", None),
    ("contracts", "folder of contract YAML files", "testdata/contracts"),
    (
        "aws-endpoint",
        "AWS endpoint URL (moto server); default ETLQ_AWS_ENDPOINT_URL, else `etlq env up`'s, else AWS",
        None,
    ),
    ("run-date", "run date the suites check, YYYY-MM-DD (default: today, UTC)", None),
    (
        "mode",
        "local: build a per-worker database loaded through the real ETL; "
        "deployed: read-only against --etlq-url (default: deployed when a URL is given)",
        None,
    ),
    ("sample-limit", "failing rows shown per failed check", "20"),
    ("warn", "warn-severity checks that fail: report (WARN, run passes) | fail | ignore", "report"),
    (
        "raw-bucket",
        "bucket of the run's raw files (raw -> staging reconciliation); default ETLQ_RAW_BUCKET, "
        "else `etlq env up`'s; "
        "local mode makes its own",
        None,
    ),
    ("cases", "folder of golden transformation cases", "testdata/cases"),
    (
        "scenarios",
        "folder of scenarios (deliveries across run dates), with scenarios.yml",
        "testdata/scenarios",
    ),
    ("rows", "local mode: generated rows per source", "300"),
    ("seed", "local mode: datagen seed", "7"),
    ("defects", "planted-defect suite: fraction of generated rows that carry a defect", "0.05"),
    (
        "pipeline",
        "the pipeline under test as module:attribute (default ETLQ_PIPELINE, else the one "
        "registered under the etlq.pipelines entry points)",
        None,
    ),
)


@dataclass(frozen=True)
class EtlqConfig:
    url: str | None
    contracts: Path
    aws_endpoint: str | None
    run_date: dt.date
    mode: Mode
    sample_limit: int
    warn: WarnPolicy
    raw_bucket: str | None
    cases: Path
    scenarios: Path
    rows: int
    seed: int
    defects: float
    pipeline: str | None


def _raw(config: pytest.Config, name: str, default: str | None) -> tuple[str | None, Path]:
    """The setting's raw text and the folder a relative path in it is relative to."""
    value = config.getoption("etlq_" + name.replace("-", "_"))
    if value is not None:
        return str(value), config.invocation_params.dir
    ini = config.getini("etlq_" + name.replace("-", "_"))
    base = config.inipath.parent if config.inipath else config.rootpath
    if ini not in (None, ""):
        return str(ini), base
    return default, config.rootpath


def _int(name: str, text: str | None) -> int:
    try:
        value = int(text or "")
    except ValueError:
        raise EtlqError(
            f"--etlq-{name}={text!r} is not a whole number", f"pass e.g. --etlq-{name}=20"
        ) from None
    if value < 0:
        raise EtlqError(f"--etlq-{name}={value} is negative", f"pass a number >= 0, e.g. --etlq-{name}=20")
    return value


def _fraction(name: str, text: str | None) -> float:
    try:
        value = float(text or "")
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise EtlqError(
            f"--etlq-{name}={text!r} is not a fraction in (0, 1]", f"pass e.g. --etlq-{name}=0.05"
        )
    return value


def _path(raw: tuple[str | None, Path], default: str) -> Path:
    text, base = raw
    return (base / (text or default)).resolve()


def _choice(name: str, text: str, choices: tuple[str, ...]) -> Any:
    if text not in choices:
        raise EtlqError(
            f"--etlq-{name}={text!r} is not one of {', '.join(choices)}", f"pass --etlq-{name}={choices[0]}"
        )
    return text


def _run_date(text: str | None) -> dt.date:
    if not text or text == "today":
        return dt.datetime.now(dt.UTC).date()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise EtlqError(
            f"--etlq-run-date={text!r} is not a date", "pass YYYY-MM-DD, e.g. --etlq-run-date=2024-01-31"
        ) from None


def read_config(config: pytest.Config) -> EtlqConfig:
    """Read every etlq setting once; raises ``EtlqError`` naming the bad setting."""
    raw = {name: _raw(config, name, default) for name, _, default in SETTINGS}
    url = raw["url"][0]
    # A URL (option, ini or ETLQ_DATABASE_URL) means "check that database"; otherwise build one.
    mode_text = raw["mode"][0] or ("deployed" if url or os.environ.get("ETLQ_DATABASE_URL") else "local")
    return EtlqConfig(
        url=url,
        contracts=_path(raw["contracts"], "testdata/contracts"),
        aws_endpoint=raw["aws-endpoint"][0],
        run_date=_run_date(raw["run-date"][0]),
        mode=_choice("mode", mode_text, MODES),
        sample_limit=_int("sample-limit", raw["sample-limit"][0]),
        warn=_choice("warn", raw["warn"][0] or "report", WARN_POLICIES),
        raw_bucket=raw["raw-bucket"][0] or os.environ.get("ETLQ_RAW_BUCKET"),
        cases=_path(raw["cases"], "testdata/cases"),
        scenarios=_path(raw["scenarios"], "testdata/scenarios"),
        rows=_int("rows", raw["rows"][0]),
        seed=_int("seed", raw["seed"][0]),
        defects=_fraction("defects", raw["defects"][0]),
        pipeline=raw["pipeline"][0],
    )
