"""The repository's test layout works with a bare ``pytest`` from the root (``testpaths = tests
suites``, rootdir-relative "prepend" imports)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_test_module_basenames_are_unique_outside_packages() -> None:
    # Regression: suites/regression/test_drift.py and tests/drift/test_drift.py both imported as
    # `test_drift`, so `pytest --collect-only -m regression` stopped with "import file mismatch".
    seen: dict[str, list[str]] = defaultdict(list)
    for top in ("tests", "suites"):
        for path in (ROOT / top).rglob("test_*.py"):
            if not (path.parent / "__init__.py").exists():
                seen[path.stem].append(str(path.relative_to(ROOT)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
