"""Identifiers and values from contracts cannot inject SQL: every identifier is quoted by
SQLAlchemy, every value is a bound parameter. The victim table must survive every run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from etlq.checks import run_checks
from etlq.checks.gx import run_gx
from etlq.contracts import load_contracts

EVIL_COLUMN = 'x"; DROP TABLE "evil"."victim"; --'
DDL = f"""
CREATE SCHEMA evil;
CREATE TABLE evil.victim (id int);
CREATE TABLE evil.t (id int, "{EVIL_COLUMN.replace('"', '""')}" text, note text);
INSERT INTO evil.t VALUES (1, NULL, 'a'), (2, NULL, 'b'), (3, 'v', $$'); DROP TABLE evil.victim; --$$);
CREATE SCHEMA "we""ird";
CREATE TABLE "we""ird"."ta ble" (id int);
INSERT INTO "we""ird"."ta ble" VALUES (NULL);
"""
CONTRACTS = {
    "evil/t.yml": f"""
table: evil.t
columns:
  id: {{type: int}}
  '{EVIL_COLUMN}': {{type: text, nullable: false, pattern: "^v$"}}
  note:
    type: text
    accepted: ["a", "b", "'); DROP TABLE evil.victim; --"]
  'id"; DROP TABLE evil.victim; --': {{type: int, nullable: false}}
""",
    'we"ird/ta ble.yml': """
table: 'we"ird.ta ble'
columns:
  id: {type: int, nullable: false}
""",
}


@pytest.fixture
def evil(fresh_database_url: str, tmp_path: Path):
    engine = create_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql(DDL)
    for name, text in CONTRACTS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    yield engine, load_contracts(tmp_path)
    engine.dispose()


def victim_survives(engine) -> bool:
    return inspect(engine).has_table("victim", schema="evil")


def test_sql_engine_quotes_identifiers_and_binds_values(evil) -> None:
    engine, contracts = evil
    results = {r.id: (r.outcome, r.failing, r.message) for r in run_checks(engine, contracts).results}
    assert results == {
        f"evil.t::not_null[{EVIL_COLUMN}]": ("failed", 2, f"2 of 3 rows with NULL {EVIL_COLUMN}"),
        f"evil.t::pattern[{EVIL_COLUMN}]": (
            "passed",
            0,
            f"0 of 3 rows with {EVIL_COLUMN} not matching '^v$'",
        ),
        "evil.t::accepted_values[note]": (
            "passed",
            0,
            "0 of 3 rows with note outside [a, b, '); DROP TABLE evil.victim; --]",
        ),
        'evil.t::not_null[id"; DROP TABLE evil.victim; --]': (
            "error",
            None,
            f"""column 'id"; DROP TABLE evil.victim; --' does not exist in evil.t"""
            f" (did you mean '{EVIL_COLUMN}'?)",
        ),
        'we"ird.ta ble::not_null[id]': ("failed", 1, "1 of 1 rows with NULL id"),
    }
    assert victim_survives(engine)


def test_gx_engine_cannot_be_injected_either(evil) -> None:
    engine, contracts = evil
    results = {r.id: r.failing for r in run_gx(engine, contracts).results if r.outcome != "error"}
    assert results[f"evil.t::not_null[{EVIL_COLUMN}]"] == 2
    assert results["evil.t::accepted_values[note]"] == 0
    assert victim_survives(engine)
