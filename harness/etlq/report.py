"""Allure HTML from ``reports/allure-results`` with the Allure command line (``make allure`` in a
checkout; elsewhere etlq installs it from npm into its user cache).

Trends: the previous report's ``history/`` is copied into the results folder before generating, so
each nightly report carries the trend of the ones before it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from etlq.allure_env import report_properties, write_executor, write_properties
from etlq.errors import EtlqError

ALLURE_BIN = Path(".tools/node_modules/.bin/allure")
DEFAULT_RESULTS = Path("reports/allure-results")
DEFAULT_OUT = Path("reports/allure-report")

# Allure groups results into these categories on its "Categories" page; first match wins.
CATEGORIES: tuple[dict[str, object], ...] = (
    {"name": "Contract checks failed", "matchedStatuses": ["failed"], "messageRegex": r"(?s).*failing.*"},
    {"name": "Other test failures", "matchedStatuses": ["failed"]},
    {"name": "Broken (errors, connections, setup)", "matchedStatuses": ["broken"]},
)


@dataclass(frozen=True)
class ReportSummary:
    results_dir: Path
    report_dir: Path
    index: Path
    statuses: dict[str, int] = field(default_factory=dict)
    history_carried: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "results_dir": str(self.results_dir),
            "report_dir": str(self.report_dir),
            "index": str(self.index),
            "statuses": dict(self.statuses),
            "history_carried": self.history_carried,
        }


ALLURE_PACKAGE = "allure-commandline@2.46.1"  # the version `make allure` installs


def allure_cache() -> Path:
    """Where etlq installs the Allure command line for itself outside a checkout."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "etlq" / "allure"


def find_allure(start: Path | None = None, *, install: bool = True) -> Path:
    """The Allure command line: ``.tools/`` of ``start``, a parent folder or the project (``make
    allure``), else on PATH, else etlq's user cache — installed there from npm when missing."""
    here = (start or Path.cwd()).resolve()
    project = Path(__file__).resolve().parents[2]  # editable install: the checkout `make allure` ran in
    cache = allure_cache()
    for folder in (here, *here.parents, project):
        candidate = folder / ALLURE_BIN
        if candidate.exists():
            return candidate
    on_path = shutil.which("allure")
    if on_path:
        return Path(on_path)
    cached = cache / "node_modules" / ".bin" / "allure"
    if cached.exists():
        return cached
    npm = shutil.which("npm")
    how = f"npm install --prefix {cache} {ALLURE_PACKAGE}"
    if not install or npm is None:
        raise EtlqError(
            f"the Allure command line is not installed (looked for {ALLURE_BIN} in {here} and its "
            f"parents, for `allure` on PATH and in {cache})"
            + ("" if npm else "; npm, which installs it, is not on PATH either"),
            f"run `{how}`" if npm else f"install Node.js (it brings npm) and Java 11+, then run `{how}`",
        )
    print(f"etlq report: installing {ALLURE_PACKAGE} into {cache} (once)", file=sys.stderr, flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(cache), ALLURE_PACKAGE],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
    except subprocess.TimeoutExpired:
        raise EtlqError(f"`{how}` took over 10 minutes", f"run `{how}` yourself and retry") from None
    if proc.returncode != 0 or not cached.exists():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise EtlqError(
            f"`{how}` failed (exit {proc.returncode}): {last[0]}",
            f"check that npm reaches its registry, then run `{how}`",
        )
    return cached


def count_statuses(results_dir: Path) -> dict[str, int]:
    """Tests per Allure status (passed, failed, broken, skipped, unknown), each test once.

    Runs that share a results folder leave one result file per test per run; Allure shows the
    earlier ones as retries of the latest (same ``historyId``), so the latest is the one counted.
    """
    latest: dict[str, tuple[int, str]] = {}
    unreadable = 0
    for path in results_dir.glob("*-result.json"):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            unreadable += 1
            continue
        test = str(result.get("historyId") or result.get("fullName") or path.name)
        stop = int(result.get("stop") or 0)
        if test not in latest or stop >= latest[test][0]:
            latest[test] = (stop, str(result.get("status", "unknown")))
    counts = Counter(status for _, status in latest.values())
    if unreadable:
        counts["unreadable"] = unreadable
    return dict(sorted(counts.items()))


def carry_history(report_dir: Path, results_dir: Path) -> bool:
    """Copy the last report's trend history into the results; False when there is none yet."""
    history = report_dir / "history"
    if not history.is_dir():
        return False
    target = results_dir / "history"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(history, target)
    return True


def _allure_generate(executable: Path, results_dir: Path, output: Path, *options: str) -> None:
    if output.exists():
        shutil.rmtree(output)
    try:
        proc = subprocess.run(
            [str(executable), "generate", str(results_dir), "--output", str(output), "--clean", *options],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    except OSError as exc:
        raise EtlqError(
            f"cannot run {executable}: {exc}",
            f"reinstall it: `npm install --prefix {allure_cache()} {ALLURE_PACKAGE}`",
        ) from None
    if proc.returncode != 0 or not (output / "index.html").exists():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise EtlqError(
            f"allure generate failed (exit {proc.returncode}): {last[0]}",
            "check that Java 11+ is installed (`java -version`): Allure runs on it",
            f"reinstall {executable}: `npm install --prefix {allure_cache()} {ALLURE_PACKAGE}`",
        )


def generate_report(
    results_dir: Path = DEFAULT_RESULTS, report_dir: Path = DEFAULT_OUT, *, allure: Path | None = None
) -> ReportSummary:
    """Generate the Allure HTML report; raises ``EtlqError`` when results or Allure are missing."""
    if not results_dir.is_dir() or not any(results_dir.glob("*-result.json")):
        raise EtlqError(
            f"no Allure results in {results_dir}",
            f"run pytest with --alluredir {results_dir} (or Robot with "
            f"--listener allure_robotframework:{results_dir}) first",
            "pass --results DIR",
            where=str(results_dir),
        )
    executable = allure or find_allure()
    statuses = count_statuses(results_dir)
    carried = carry_history(report_dir, results_dir)
    (results_dir / "categories.json").write_text(json.dumps(list(CATEGORIES), indent=2), encoding="utf-8")
    write_properties(results_dir, report_properties(), keep_existing=True)
    write_executor(results_dir)
    # Allure writes into --output directly: generate next to it and swap, so a failure keeps the old
    # report. The report is one self-contained index.html (it opens from disk; a multi-file report
    # needs a web server), plus the history/ folder of a regular report, which the next trend needs.
    staging = report_dir.with_name(report_dir.name + ".tmp")
    regular = report_dir.with_name(report_dir.name + ".full")
    try:
        _allure_generate(executable, results_dir, staging, "--single-file")
        _allure_generate(executable, results_dir, regular)
        shutil.move(regular / "history", staging / "history")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(regular, ignore_errors=True)
    if report_dir.exists():
        shutil.rmtree(report_dir)
    staging.rename(report_dir)
    return ReportSummary(results_dir, report_dir, report_dir / "index.html", statuses, carried)
