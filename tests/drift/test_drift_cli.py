"""``etlq drift`` through the real CLI entry point: exact JSON, exit 1 on breaking changes."""

from __future__ import annotations

import json
from pathlib import Path

from drift_world import apply, baseline
from sqlalchemy import Engine


def test_no_drift_exits_0(sqlalchemy_engine: Engine, database_url: str, tmp_path: Path, etlq) -> None:
    schema, _ = baseline(sqlalchemy_engine, tmp_path)
    code, out, _ = etlq("drift", "--url", database_url, "--contracts", str(tmp_path / schema))
    assert (code, out) == (
        0,
        f"ok     {schema}.parent\nok     {schema}.t\n2 tables: 0 breaking, 0 non-breaking changes\n",
    )


def test_breaking_drift_exits_1_with_exact_json(
    sqlalchemy_engine: Engine, database_url: str, tmp_path: Path, etlq
) -> None:
    schema, _ = baseline(sqlalchemy_engine, tmp_path)
    apply(
        sqlalchemy_engine,
        "ALTER TABLE __S__.t ALTER COLUMN qty TYPE bigint, ALTER COLUMN name DROP NOT NULL",
        schema,
    )
    code, out, _ = etlq(
        "drift", "--url", database_url, "--contracts", str(tmp_path / schema), "--format", "json"
    )
    assert code == 1
    assert json.loads(out) == {
        "tables": [
            {"table": f"{schema}.parent", "changes": []},
            {
                "table": f"{schema}.t",
                "changes": [
                    {
                        "kind": "nullability_changed",
                        "column": "name",
                        "expected": "not null",
                        "actual": "nullable",
                        "breaking": True,
                    },
                    {
                        "kind": "type_changed",
                        "column": "qty",
                        "expected": "integer",
                        "actual": "bigint",
                        "breaking": False,
                    },
                ],
            },
        ],
        "breaking": 1,
        "non_breaking": 1,
    }


def test_snapshot_round_trip(sqlalchemy_engine: Engine, database_url: str, tmp_path: Path, etlq) -> None:
    schema, _ = baseline(sqlalchemy_engine, tmp_path)
    snap = tmp_path / "snap.json"
    code, _, err = etlq(
        "drift", "--url", database_url, "--contracts", str(tmp_path / schema), "--save-snapshot", str(snap)
    )
    assert (code, err) == (0, f"saved the shape of 2 tables to {snap}\n")
    apply(sqlalchemy_engine, "DROP TABLE __S__.t", schema)
    code, out, _ = etlq(
        "drift", "--url", database_url, "--snapshot", str(snap), "--schema", schema, "--format", "json"
    )
    assert code == 1
    assert json.loads(out)["tables"][1] == {
        "table": f"{schema}.t",
        "changes": [
            {"kind": "table_missing", "column": None, "expected": "table", "actual": None, "breaking": True}
        ],
    }


def test_missing_snapshot_is_a_user_error(database_url: str, tmp_path: Path, etlq) -> None:
    code, _, err = etlq("drift", "--url", database_url, "--snapshot", str(tmp_path / "none.json"))
    assert (code, err) == (
        2,
        f"etlq: error: {tmp_path / 'none.json'}: no such snapshot file"
        " (fix: create one with --save-snapshot)\n",
    )
