"""A warehouse with no pipeline registered: every contract-driven check and drift still runs;
what needs the pipeline (job runs, raw files reconciliation, golden cases) skips and says how
to register one. Also the ways a pipeline setting can be wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etlq.contracts import load_contracts
from etlq.errors import EtlqError
from etlq.pipeline import _METHODS, SETTING_ENV, find_pipeline
from etlq.raw import raw_reconciles
from etlq.verdicts.runs import loaded_by_pipeline
from etlq.warehouse import deployed_warehouse
from tests.plugin.shop import RAW_CONTRACT
from tests.plugin.support import deployed_args, outcomes

pytest_plugins = ["pytester"]
SUITES = Path(__file__).parents[2] / "suites"
HOW = "needs the pipeline under test, and there is none"


@pytest.fixture
def no_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a project where no distribution registers an ``etlq.pipelines`` entry point."""
    monkeypatch.delenv(SETTING_ENV, raising=False)
    monkeypatch.setattr("etlq.pipeline.entry_points", lambda group: [])


def test_none_registered_is_no_error(no_pipeline: None) -> None:
    found = find_pipeline()
    assert found.pipeline is None
    assert "none registered (etlq.pipelines)" in found.origin


def test_smoke_and_reconcile_suites_check_what_applies(
    no_pipeline: None, pytester: pytest.Pytester, shop_url: str, shop_contracts: Path
) -> None:
    pytester.makepyfile(
        test_smoke_copy=(SUITES / "smoke" / "test_smoke.py").read_text(),
        test_transformations_copy=(SUITES / "regression" / "test_transformations.py").read_text(),
    )
    (pytester.path / "cases" / "silver" / "one").mkdir(parents=True)
    (pytester.path / "cases" / "silver" / "one" / "case.yml").write_text(
        "transform: silver\nrun_date: 2024-03-01\n"
    )
    (pytester.path / "cases" / "silver" / "one" / "expected").mkdir()
    (pytester.path / "cases" / "silver" / "one" / "expected" / "silver.x.csv").write_text("a\n1\n")
    result = pytester.runpytest("-rs", *deployed_args(shop_url, shop_contracts, "--etlq-cases=cases"))
    # drift and the database answer pass; job runs (3 + gate) and the golden case skip with the reason
    assert outcomes(result) == {"passed": 2, "skipped": 7}
    result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]3[]] *checking job runs {HOW}*etlq.pipelines*",
            f"SKIPPED [[]1[]] *checking job runs {HOW}*etlq.pipelines*",
            f"SKIPPED [[]1[]] *this test {HOW}*ETLQ_PIPELINE=module:attribute*",
        ],
        consecutive=False,
    )


def test_contract_checks_still_fail_on_bad_rows(
    no_pipeline: None, pytester: pytest.Pytester, shop_url: str, shop_contracts: Path, check_module: Path
) -> None:
    result = pytester.runpytest(*deployed_args(shop_url, shop_contracts))
    assert outcomes(result) == {"passed": 3, "failed": 1, "warned": 1}


def test_verdicts_skip_with_how_to_register(
    no_pipeline: None, fresh_database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging" / "orders.yml").write_text(RAW_CONTRACT)
    [contract] = load_contracts(tmp_path)
    with deployed_warehouse(fresh_database_url, dt.date(2024, 3, 1), raw_bucket="landing") as warehouse:
        loaded = loaded_by_pipeline(warehouse)
        raw = raw_reconciles(warehouse, contract)
    assert (loaded.outcome, raw.outcome) == ("skipped", "skipped")
    assert loaded.message.startswith(f"checking job runs {HOW} (no pipeline: none set (ETLQ_PIPELINE)")
    assert raw.message.startswith(f"raw files reconciliation (the landing layout, the quarantine) {HOW}")
    assert "pip install ./etl" in raw.message


def test_a_wrong_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SETTING_ENV, "no_such_module:pipeline")
    with pytest.raises(
        EtlqError, match=r"^pipeline 'no_such_module:pipeline' \(from ETLQ_PIPELINE\) cannot be"
    ):
        find_pipeline()
    monkeypatch.setenv(SETTING_ENV, "json")  # importable, but no pipeline
    with pytest.raises(EtlqError) as caught:
        find_pipeline()
    assert "pipeline 'json' (from ETLQ_PIPELINE) lacks name, errors, raw_prefix, prepare, run" in str(
        caught.value
    )
    monkeypatch.setenv(SETTING_ENV, "datetime:date")  # a class that needs arguments
    with pytest.raises(EtlqError, match=r"^pipeline 'datetime:date' .* cannot be called without arguments"):
        find_pipeline()


def test_pyproject_tool_etlq_names_the_pipeline(
    no_pipeline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "their_pipeline.py").write_text(
        "class P:\n"
        "    name = 'theirs'\n"
        "    errors = ()\n"
        + "".join(
            f"    def {m}(self, *a, **k): return None\n"
            for m in _METHODS
            if m != "errors"  # every method of the Protocol, so a new one is never forgotten here
        )
        + "pipeline = P()\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "theirs"\n[tool.etlq]\npipeline = "their_pipeline:pipeline"\n'
    )
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # found from a subfolder, as pytest's rootdir would be
    monkeypatch.syspath_prepend(str(tmp_path))
    found = find_pipeline()
    assert found.pipeline is not None and found.pipeline.name == "theirs"
    assert found.origin == f"[tool.etlq] pipeline in {tmp_path / 'pyproject.toml'}"
    monkeypatch.setenv(SETTING_ENV, "nowhere_module:pipeline")  # the environment wins
    with pytest.raises(EtlqError, match="'nowhere_module:pipeline' \\(from ETLQ_PIPELINE\\)"):
        find_pipeline()


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('pipeline = "no_such_module:x"', "'no_such_module:x' (from [tool.etlq] pipeline in "),
        ("pipeline = 3", "[tool.etlq] pipeline must be a non-empty string, got 3"),
        ("pipeline = ", "cannot be read"),
    ],
)
def test_pyproject_tool_etlq_bad_setting_is_one_line(
    no_pipeline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, error: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.etlq]\n{table}\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EtlqError) as caught:
        find_pipeline()
    assert error in str(caught.value)
    assert "\n" not in str(caught.value)


def test_pyproject_without_tool_etlq_leaves_the_entry_points(
    no_pipeline: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "theirs"\n')
    monkeypatch.chdir(tmp_path)
    assert find_pipeline().pipeline is None
