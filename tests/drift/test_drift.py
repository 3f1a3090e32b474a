"""Drift on real PostgreSQL: every change kind is detected after the matching DDL, with the
breaking flag of docs/drift.md. Cases live in cases.yml; each runs in its own schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from drift_world import HERE, apply, baseline
from sqlalchemy import Engine

from etlq.contracts import load_contracts
from etlq.drift.catalog import read_catalog
from etlq.drift.diff import Change, diff_contracts, diff_snapshot, save_snapshot
from etlq.drift.rules import type_change_is_breaking

CASES = yaml.safe_load((HERE / "cases.yml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_change_detected_with_breaking_flag(sqlalchemy_engine: Engine, tmp_path: Path, case: dict) -> None:
    schema, contracts = baseline(sqlalchemy_engine, tmp_path)
    apply(sqlalchemy_engine, case["ddl"], schema)
    report = diff_contracts(sqlalchemy_engine, contracts)
    expected = [
        Change(
            kind, column, *(json.loads(json.dumps(v).replace("__S__", schema)) for v in (want, got)), breaking
        )
        for kind, column, want, got, breaking in case["changes"]
    ]
    assert [t.table for t in report.tables] == [f"{schema}.parent", f"{schema}.t"]
    assert list(report.tables[0].changes) == []
    assert list(report.tables[1].changes) == expected
    assert (report.breaking, report.non_breaking) == (
        sum(c.breaking for c in expected),
        sum(not c.breaking for c in expected),
    )
    assert report.exit_code() == (1 if any(c.breaking for c in expected) else 0)


def test_report_json_shape(sqlalchemy_engine: Engine, tmp_path: Path) -> None:
    schema, contracts = baseline(sqlalchemy_engine, tmp_path)
    apply(
        sqlalchemy_engine,
        "ALTER TABLE __S__.t DROP COLUMN note; ALTER TABLE __S__.t ADD COLUMN extra text",
        schema,
    )
    assert diff_contracts(sqlalchemy_engine, contracts).to_json() == {
        "tables": [
            {"table": f"{schema}.parent", "changes": []},
            {
                "table": f"{schema}.t",
                "changes": [
                    {
                        "kind": "column_removed",
                        "column": "note",
                        "expected": "text",
                        "actual": None,
                        "breaking": True,
                    },
                    {
                        "kind": "column_added",
                        "column": "extra",
                        "expected": None,
                        "actual": "text",
                        "breaking": False,
                    },
                ],
            },
        ],
        "breaking": 1,
        "non_breaking": 1,
    }


def test_snapshot_is_the_baseline_in_snapshot_mode(sqlalchemy_engine: Engine, tmp_path: Path) -> None:
    schema, _ = baseline(sqlalchemy_engine, tmp_path)
    snapshot = tmp_path / "snap.json"
    saved = save_snapshot(sqlalchemy_engine, [schema], snapshot)
    assert sorted(saved) == [f"{schema}.parent", f"{schema}.t"]
    assert json.loads(snapshot.read_text())["tables"][f"{schema}.t"]["primary_key"] == ["id"]
    assert diff_snapshot(sqlalchemy_engine, snapshot).breaking == 0
    apply(
        sqlalchemy_engine,
        "ALTER TABLE __S__.parent ALTER COLUMN code TYPE varchar(5); ALTER TABLE __S__.t ADD COLUMN x int",
        schema,
    )
    report = diff_snapshot(sqlalchemy_engine, snapshot)
    assert [(t.table, list(t.changes)) for t in report.tables] == [
        (
            f"{schema}.parent",
            [Change("type_changed", "code", "character varying(10)", "character varying(5)", True)],
        ),
        (f"{schema}.t", [Change("column_added", "x", None, "integer", False)]),
    ]


@pytest.mark.parametrize(
    ("expected", "actual", "breaking"),
    [
        ("character varying", "text", False),
        ("character varying", "character varying(10)", True),
        ("character varying(10)", "character varying", False),
        ("numeric(10,2)", "numeric", False),
        ("numeric", "numeric(30,2)", True),
        ("smallint", "bigint", False),
        ("bigint", "integer", True),
        ("double precision", "real", True),
        ("timestamp without time zone", "timestamp with time zone", True),
        ("character(3)", "text", True),
        ("text", "text", False),
    ],
)
def test_type_change_rules(expected: str, actual: str, breaking: bool) -> None:
    assert type_change_is_breaking(expected, actual) is breaking


@pytest.mark.parametrize("search_path", ["public", "__S__, public"])
def test_user_types_compare_whatever_the_search_path(
    sqlalchemy_engine: Engine, tmp_path: Path, search_path: str
) -> None:
    """format_type() drops the schema of types on the search_path; drift must not see a change
    between a contract drafted under one role's search_path and a catalog read under another."""
    schema, _ = baseline(sqlalchemy_engine, tmp_path)
    apply(
        sqlalchemy_engine,
        "CREATE TYPE __S__.mood AS ENUM ('ok', 'sad'); "
        "CREATE TABLE __S__.feelings (id int PRIMARY KEY, m __S__.mood)",
        schema,
    )
    folder = tmp_path / "typed" / schema
    folder.mkdir(parents=True)
    (folder / "feelings.yml").write_text(
        f"table: {schema}.feelings\nprimary_key: [id]\n"
        "columns:\n  id: {type: integer, nullable: false}\n  m: {type: mood}\n"
    )
    contracts = load_contracts(folder)
    with sqlalchemy_engine.connect() as conn:
        conn.exec_driver_sql(f"SET search_path TO {search_path.replace('__S__', schema)}")
        assert list(diff_contracts(conn, contracts).changes()) == []
        catalog = read_catalog(conn, tables=[f"{schema}.feelings"])
        assert catalog[f"{schema}.feelings"].column("m").type == f"{schema}.mood"
        # the caller's search_path is as it was
        assert conn.exec_driver_sql("SHOW search_path").scalar_one() == search_path.replace("__S__", schema)

    (folder / "feelings.yml").write_text((folder / "feelings.yml").read_text().replace("mood", "other_mood"))
    changes = list(diff_contracts(sqlalchemy_engine, load_contracts(folder)).changes())
    assert [(c.kind, c.expected, c.actual) for _, c in changes] == [
        ("type_changed", "other_mood", f"{schema}.mood")
    ]
