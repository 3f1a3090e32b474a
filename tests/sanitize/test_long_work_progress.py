"""Long commands report progress on stderr when it is not a terminal (CI logs); --quiet silences it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from etlq.progress import Progress
from fixtures.cli import Etlq

ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^(generate|sanitize) (\.\.\.|done:) [\d,]+(/[\d,]+)? rows( \(\d+%\))?, [\d,]+ rows/s, [\d.]+s$"
)


@pytest.fixture
def every_update(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("etlq.progress.INTERVAL", 0.0)  # a line per update instead of every 10 s


def test_generate_prints_progress_lines_and_quiet_none(
    etlq: Etlq, tmp_path: Path, every_update: None
) -> None:
    argv = (
        "generate",
        "--rows",
        "3000",
        "--chunk-rows",
        "500",
        "--contracts",
        str(ROOT / "testdata/contracts"),
    )
    code, _, err = etlq(*argv, "--out", str(tmp_path / "a"))
    lines = err.splitlines()
    assert code == 0 and len(lines) > 3 and all(LINE.match(line) for line in lines), err
    total = int(lines[0].split("/")[1].split()[0].replace(",", ""))
    assert lines[-1].startswith(f"generate done: {total:,}/{total:,} rows, ")
    assert [int(line.split()[2].split("/")[0].replace(",", "")) for line in lines] == sorted(
        int(line.split()[2].split("/")[0].replace(",", "")) for line in lines
    )
    code, _, err = etlq(*argv, "--out", str(tmp_path / "b"), "--quiet")
    assert (code, err) == (0, "")


def test_sanitize_prints_progress_lines(
    etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str, every_update: None
) -> None:
    code, _, err = etlq(
        "sanitize",
        "--source-url",
        source_url,
        "--root",
        "shop.orders",
        "--fraction",
        "0.5",
        "--out",
        str(tmp_path),
    )
    lines = err.splitlines()
    assert code == 0 and lines and all(LINE.match(line) for line in lines), err
    assert lines[-1].startswith("sanitize done: ")


def test_rate_counts_from_the_start_of_the_work_and_a_short_run_is_silent() -> None:
    quiet = io.StringIO()
    short = Progress("x", 10, stream=quiet)  # the default interval: 10 s
    short.update(10)
    short.close()
    assert quiet.getvalue() == ""
    off = io.StringIO()
    disabled = Progress("x", 10, enabled=False, stream=off)
    disabled.update(10)
    disabled.close()
    assert off.getvalue() == ""
