"""``etlq contract init``: drafts from an awkward live schema load cleanly and pass
``etlq check`` on the data they were drawn from; existing files are never overwritten silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etlq.checks import run_checks
from etlq.contracts import load_contracts
from fixtures.database import query

ODD_SCHEMA = """
CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Customer List" (
    "Customer Id" integer PRIMARY KEY,
    "Region Code" text NOT NULL,
    email varchar(80) UNIQUE,
    "Signed Up" date
);
CREATE TABLE "Sales Dept"."Order Lines" (
    "Order Id" bigint,
    "Line No" smallint,
    "Customer Id" integer REFERENCES "Sales Dept"."Customer List",
    "Amount" numeric(12,3),
    ratio real,
    weight double precision,
    "Ship Date" date,
    "Is Gift" boolean NOT NULL DEFAULT false,
    token uuid,
    status char(4),
    note text,
    PRIMARY KEY ("Order Id", "Line No")
);
CREATE TABLE "Sales Dept"."Line Notes" (
    "Order Id" bigint, "Line No" smallint, body text,
    FOREIGN KEY ("Order Id", "Line No") REFERENCES "Sales Dept"."Order Lines"
);
INSERT INTO "Sales Dept"."Customer List"
    SELECT g, CASE WHEN g % 3 = 0 THEN 'NO' ELSE 'yes' END, 'u' || g || '@x.org', DATE '2023-01-01' + g
    FROM generate_series(1, 40) g;
INSERT INTO "Sales Dept"."Order Lines"
    SELECT g / 3, g % 3, 1 + g % 40, g * 1.111, g / 7.0, g / 3.0, DATE '2024-01-01' + g, g % 2 = 0,
           md5(g::text)::uuid, CASE WHEN g % 4 = 0 THEN 'NEW' ELSE 'DONE' END, 'note ' || g
    FROM generate_series(1, 100) g;
INSERT INTO "Sales Dept"."Line Notes" SELECT g / 3, g % 3, 'n' FROM generate_series(1, 30) g;
"""


@pytest.fixture
def odd_db(fresh_database_url: str) -> str:
    query(fresh_database_url, ODD_SCHEMA)
    return fresh_database_url


def test_drafts_load_and_pass_check_on_the_same_data(odd_db: str, tmp_path: Path, etlq) -> None:
    code, out, _ = etlq("contract", "init", "--url", odd_db, "--schema", "Sales Dept", "--out", str(tmp_path))
    assert code == 0
    assert out.splitlines() == [
        str(tmp_path / "Sales Dept" / f"{name}.yml")
        for name in ("Customer List", "Line Notes", "Order Lines")
    ]
    contracts = load_contracts(tmp_path)
    assert [c.table for c in contracts] == [
        "Sales Dept.Customer List",
        "Sales Dept.Order Lines",
        "Sales Dept.Line Notes",
    ]
    run = run_checks(odd_db, contracts)
    assert {r.outcome for r in run.results} == {"passed"}
    assert len(run.results) == 21
    code, out, _ = etlq("check", "--url", odd_db, "--contracts", str(tmp_path))
    assert code == 0


def test_draft_content(odd_db: str, tmp_path: Path, etlq) -> None:
    code, out, _ = etlq(
        "contract",
        "init",
        "--url",
        odd_db,
        "--schema",
        "Sales Dept",
        "--table",
        "Order Lines",
        "--out",
        str(tmp_path),
    )
    assert (code, out) == (0, f"{tmp_path / 'Sales Dept' / 'Order Lines.yml'}\n")
    assert [p.name for p in (tmp_path / "Sales Dept").iterdir()] == ["Order Lines.yml"]
    doc = yaml.safe_load((tmp_path / "Sales Dept" / "Order Lines.yml").read_text())
    assert doc["primary_key"] == ["Order Id", "Line No"]
    cols = doc["columns"]
    assert cols["Order Id"] == {"type": "bigint", "nullable": False}
    assert cols["Customer Id"] == {"type": "integer", "references": "Sales Dept.Customer List.Customer Id"}
    assert cols["Amount"] == {"type": "numeric(12,3)", "min": 1.111, "max": 111.1}
    assert cols["Is Gift"] == {"type": "boolean", "nullable": False}
    assert cols["token"] == {"type": "uuid"}
    assert cols["status"] == {"type": "character(4)", "accepted": ["DONE", "NEW "]}
    assert cols["note"] == {"type": "text"}  # 100 distinct values: not a code list
    assert str(cols["Ship Date"]["min"]) == "2024-01-02"
    assert doc["checks"] == {"row_count": {"min": 1}}


def test_compound_foreign_key_and_text_that_yaml_reads_as_boolean(odd_db: str, tmp_path: Path, etlq) -> None:
    code, _, _ = etlq("contract", "init", "--url", odd_db, "--schema", "Sales Dept", "--out", str(tmp_path))
    assert code == 0
    notes = load_contracts(tmp_path / "Sales Dept" / "Line Notes.yml")[0]
    fk = notes.foreign_keys[0].value
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (
        ("Order Id", "Line No"),
        "Sales Dept.Order Lines",
        ("Order Id", "Line No"),
    )
    customers = load_contracts(tmp_path / "Sales Dept" / "Customer List.yml")[0]
    assert customers.column("Region Code").accepted.value == ("NO", "yes")
    assert customers.column("email").unique is not None


def test_existing_files_are_kept_unless_forced(odd_db: str, tmp_path: Path, etlq) -> None:
    target = tmp_path / "Sales Dept" / "Customer List.yml"
    target.parent.mkdir()
    target.write_text("hand-written\n")
    code, out, err = etlq(
        "contract", "init", "--url", odd_db, "--schema", "Sales Dept", "--out", str(tmp_path)
    )
    assert (code, out) == (2, "")
    assert err == f"etlq: error: {target} already exists (1 of 3 files) (fix: pass --force to overwrite)\n"
    assert [p.name for p in target.parent.iterdir()] == ["Customer List.yml"]  # nothing half-written
    code, _, _ = etlq(
        "contract", "init", "--url", odd_db, "--schema", "Sales Dept", "--out", str(tmp_path), "--force"
    )
    assert code == 0
    assert target.read_text().startswith("# Drafted by `etlq contract init`")


def test_unknown_schema_or_table(odd_db: str, tmp_path: Path, etlq) -> None:
    code, _, err = etlq("contract", "init", "--url", odd_db, "--schema", "sales dept", "--out", str(tmp_path))
    assert (code, err) == (
        2,
        "etlq: error: no tables in schema 'sales dept'"
        " (fix: check --schema/--table (names are case-sensitive))\n",
    )


def test_validate_lists_checks(tmp_path: Path, etlq) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "t.yml").write_text("table: s.t\ncolumns:\n  a: {type: int, nullable: false, min: 0}\n")
    code, out, _ = etlq("contract", "validate", "--contracts", str(tmp_path), "--format", "json")
    assert code == 0
    assert yaml.safe_load(out)["contracts"][0]["checks"] == ["s.t::not_null[a]", "s.t::range[a]"]
