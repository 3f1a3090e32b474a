"""``etlq report``: Allure HTML with trends carried over, and a clear error without Allure."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from etlq.cli import report as report_cli
from etlq.errors import EtlqError
from etlq.report import find_allure, generate_report

RESULT = {
    "uuid": "u1", "historyId": "h1", "name": "gold.fact_orders::unique[order_id]", "status": "failed",
    "statusDetails": {"message": "3 failing"}, "start": 1, "stop": 2, "labels": [],
}  # fmt: skip


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "allure-results"
    folder.mkdir()
    (folder / "u1-result.json").write_text(json.dumps(RESULT))
    (folder / "u2-result.json").write_text(
        json.dumps({**RESULT, "uuid": "u2", "historyId": "h2", "status": "passed"})
    )
    return folder


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    report_cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["report", *argv])
    return int(args.func(args))


def test_report_then_trend(results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "allure-report"
    assert _run("--results", str(results), "--out", str(out)) == 0
    assert (
        capsys.readouterr().out
        == f"Allure report: {out}/index.html (1 failed, 1 passed; first report, no trend yet)\n"
    )
    assert (out / "index.html").is_file() and (out / "history" / "history.json").is_file()
    # one self-contained page (it opens from disk, no web server), plus the trend's history
    assert sorted(p.name for p in out.iterdir()) == ["history", "index.html"]
    assert not list(tmp_path.glob("allure-report.*"))  # no staging folders left behind
    second = generate_report(results, out)
    assert second.history_carried and (results / "history" / "history.json").is_file()
    assert second.statuses == {"failed": 1, "passed": 1}


def test_no_results_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(EtlqError) as exc:
        generate_report(tmp_path / "none", tmp_path / "out")
    none = tmp_path / "none"
    assert str(exc.value) == (
        f"no Allure results in {none} (fix: run pytest with --alluredir {none} (or Robot with "
        f"--listener allure_robotframework:{none}) first; or pass --results DIR)"
    )


def test_missing_allure_and_npm_says_exactly_how(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("etlq.report.ALLURE_BIN", Path(".tools/node_modules/.bin/no-allure-here"))
    monkeypatch.setenv("PATH", str(tmp_path))  # neither allure nor npm
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(EtlqError) as exc:
        find_allure(tmp_path)
    cache = tmp_path / "cache" / "etlq" / "allure"
    assert exc.value.exit_code == 2
    assert str(exc.value) == (
        "the Allure command line is not installed "
        f"(looked for .tools/node_modules/.bin/no-allure-here in {tmp_path} and its parents, for `allure` "
        f"on PATH and in {cache}); npm, which installs it, is not on PATH either (fix: install Node.js "
        f"(it brings npm) and Java 11+, then run `npm install --prefix {cache} allure-commandline@2.46.1`)"
    )


def test_outside_a_checkout_allure_comes_from_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = find_allure()  # the checkout's, from `make allure`
    monkeypatch.setattr("etlq.report.ALLURE_BIN", Path(".tools/node_modules/.bin/no-allure-here"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    cached = tmp_path / "cache" / "etlq" / "allure" / "node_modules" / ".bin" / "allure"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(real.resolve())
    assert find_allure(tmp_path) == cached
