"""What etl/ may depend on, and that the contracts describe the tables its DDL creates."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from etl_support import execute, query

from etl import db as etl_db
from etl.sources import SOURCES
from etlq.contracts import load_contracts
from etlq.drift.diff import diff_contracts

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("harness", "pytest", "_pytest", "allure", "allure_commons", "tests", "fixtures")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_etl_imports_nothing_from_the_harness_or_the_test_tools():
    files = sorted((ROOT / "etl").rglob("*.py"))
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert len(files) >= 15
    assert offenders == set()


def test_etl_is_python_3_9_syntax_for_glue_python_shell():
    for path in sorted((ROOT / "etl").rglob("*.py")):
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=(3, 9))
    with pytest.raises(SyntaxError):
        ast.parse("match x:\n    case 1:\n        pass\n", feature_version=(3, 9))


def test_the_import_scan_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from etlq.errors import EtlqError\n    import pytest\n")
    assert imported_modules(probe) == {"etlq.errors", "pytest"}


def ensure_schema(url: str) -> None:
    conn = etl_db.connect(url)
    try:
        etl_db.ensure_schema(conn)
    finally:
        conn.close()


def test_ddl_is_applied_once_per_version_and_again_when_it_changes(db):
    ensure_schema(db)
    ensure_schema(db)
    [(checksum,)] = query(db, "SELECT checksum FROM audit.ddl_applied")
    execute(db, "DROP TABLE gold.daily_revenue")
    ensure_schema(db)  # same version: no DDL, no table lock
    assert query(db, "SELECT to_regclass('gold.daily_revenue') IS NULL") == [(True,)]
    execute(db, "UPDATE audit.ddl_applied SET checksum = 'older'")
    ensure_schema(db)
    assert query(db, "SELECT to_regclass('gold.daily_revenue') IS NULL") == [(False,)]
    assert query(db, "SELECT checksum FROM audit.ddl_applied ORDER BY applied_at") == [
        ("older",),
        (checksum,),
    ]


def test_contracts_match_the_ddl_exactly(db):
    ensure_schema(db)
    contracts = load_contracts(ROOT / "testdata" / "contracts")
    tables = {
        t
        for (t,) in query(
            db,
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_schema IN ('staging', 'silver', 'gold')",
        )
    }
    assert {c.table for c in contracts} == tables
    report = diff_contracts(db, contracts)
    assert [(t, c.kind, c.column) for t, c in report.changes()] == []
    staging = {
        c.raw_source: [col.name for col in c.columns if col.origin == "source"]
        for c in contracts
        if c.raw_source
    }
    assert staging == {source.name: list(source.columns) for source in SOURCES}
    assert sorted(staging) == ["customers", "fx_rates", "orders"]
