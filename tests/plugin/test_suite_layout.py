"""The repository's test layout works with a bare ``pytest`` (or ``pytest -n 2``) from the root:
``testpaths = tests suites``, rootdir-relative "prepend" imports, one process for everything."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest
from _pytest.pathlib import ImportMode, import_path

from tests.plugin.shop import CHECK_IDS
from tests.plugin.support import deployed_args

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


def test_test_module_basenames_are_unique_outside_packages() -> None:
    # Two modules outside packages with one basename import as the same bare name: pytest stops
    # the run with "import file mismatch" (suites/regression/test_drift.py vs tests/drift/).
    seen: dict[str, list[str]] = defaultdict(list)
    for top in ("tests", "suites"):
        for path in (ROOT / top).rglob("test_*.py"):
            if not (path.parent / "__init__.py").exists():
                seen[path.stem].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}


def test_in_process_runs_survive_the_suites_collected_in_the_same_process(
    pytester: pytest.Pytester, shop_contracts: Path, check_module: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: `pytest -n 2` from the root failed test_contract_items' in-process runs with
    # "import file mismatch": each worker had imported suites/regression/test_contracts.py as the
    # bare module `test_contracts`, the name of the module those runs write (conftest.check_module).
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    try:
        suite = ROOT / "suites" / "regression" / "test_contracts.py"
        module = import_path(suite, mode=ImportMode.prepend, root=ROOT, consider_namespace_packages=False)
        assert module.__name__ == "suites.regression.test_contracts"
        result = pytester.runpytest(
            "--co", "-q", *deployed_args("postgresql://unused@127.0.0.1:1/x", shop_contracts)
        )
        assert [line for line in result.outlines if "::test_contract[" in line] == [
            f"test_contracts.py::test_contract[{check}]" for check in CHECK_IDS
        ]
    finally:
        for name in [n for n in sys.modules if n.startswith("suites") and n not in before]:
            del sys.modules[name]
