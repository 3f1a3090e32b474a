"""Settings: every ``--etlq-*`` option has an ``etlq_*`` ini key, read once into a frozen dataclass."""

from __future__ import annotations

import datetime as dt

import pytest

pytest_plugins = ["pytester"]

PRINT_CONFIG = """
import dataclasses

def test_print(etlq_config):
    for field in dataclasses.fields(etlq_config):
        print(f"CFG {field.name}={getattr(etlq_config, field.name)}")
    try:
        etlq_config.sample_limit = 1
    except dataclasses.FrozenInstanceError:
        print("CFG frozen=yes")
"""


def _config(result: pytest.RunResult) -> dict[str, str]:
    # the first print shares its line with the test file's name in pytest's progress output
    lines = [line.split("CFG ", 1)[1] for line in result.outlines if "CFG " in line]
    return dict(line.split("=", 1) for line in lines)


def test_defaults(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETLQ_DATABASE_URL", raising=False)
    monkeypatch.delenv("ETLQ_RAW_BUCKET", raising=False)
    pytester.makepyfile(PRINT_CONFIG)
    cfg = _config(pytester.runpytest("-s", "-p", "no:cacheprovider"))
    assert cfg == {
        "url": "None",
        "contracts": str(pytester.path / "testdata" / "contracts"),
        "aws_endpoint": "None",
        "run_date": dt.datetime.now(dt.UTC).date().isoformat(),
        "mode": "local",
        "sample_limit": "20",
        "warn": "report",
        "raw_bucket": "None",
        "cases": str(pytester.path / "testdata" / "cases"),
        "scenarios": str(pytester.path / "testdata" / "scenarios"),
        "rows": "300",
        "seed": "7",
        "defects": "0.05",
        "pipeline": "None",
        "frozen": "yes",
    }


def test_ini_keys_then_options_win(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETLQ_RAW_BUCKET", raising=False)
    pytester.makeini(
        """
        [pytest]
        etlq_url = postgresql://ini@db/one
        etlq_contracts = rules
        etlq_run_date = 2024-02-29
        etlq_sample_limit = 5
        etlq_warn = fail
        etlq_raw_bucket = ini-bucket
        etlq_rows = 50
        """
    )
    pytester.makepyfile(PRINT_CONFIG)
    result = pytester.runpytest(
        "-s",
        "-p",
        "no:cacheprovider",
        "--etlq-sample-limit=3",
        "--etlq-mode=local",
        "--etlq-seed=11",
        "--etlq-aws-endpoint=http://127.0.0.1:5000",
        "--etlq-defects=0.2",
    )
    cfg = _config(result)
    assert {
        k: cfg[k] for k in ("url", "contracts", "run_date", "sample_limit", "warn", "mode", "raw_bucket")
    } == {
        "url": "postgresql://ini@db/one",
        "contracts": str(pytester.path / "rules"),
        "run_date": "2024-02-29",
        "sample_limit": "3",
        "warn": "fail",
        "mode": "local",
        "raw_bucket": "ini-bucket",
    }
    assert (cfg["rows"], cfg["seed"], cfg["aws_endpoint"], cfg["defects"]) == (
        "50",
        "11",
        "http://127.0.0.1:5000",
        "0.2",
    )


def test_a_url_means_deployed_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(PRINT_CONFIG)
    cfg = _config(pytester.runpytest("-s", "-p", "no:cacheprovider", "--etlq-url=postgresql://u@h/d"))
    assert cfg["mode"] == "deployed"


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "--etlq-mode=prod",
            "--etlq-mode='prod' is not one of local, deployed (fix: pass --etlq-mode=local)",
        ),
        (
            "--etlq-sample-limit=ten",
            "--etlq-sample-limit='ten' is not a whole number (fix: pass e.g. --etlq-sample-limit=20)",
        ),
        (
            "--etlq-run-date=31.01.2024",
            "--etlq-run-date='31.01.2024' is not a date "
            "(fix: pass YYYY-MM-DD, e.g. --etlq-run-date=2024-01-31)",
        ),
        (
            "--etlq-warn=loud",
            "--etlq-warn='loud' is not one of report, fail, ignore (fix: pass --etlq-warn=report)",
        ),
    ],
)
def test_bad_setting_is_one_usage_line(pytester: pytest.Pytester, option: str, message: str) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result.errlines if line] == [f"ERROR: {message}"]


def test_markers_are_registered_for_strict_markers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smoke
        @pytest.mark.regression
        @pytest.mark.drift
        @pytest.mark.completeness
        @pytest.mark.transformation
        @pytest.mark.quality
        @pytest.mark.slow
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=1)
