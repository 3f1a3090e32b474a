"""``etlq contract init`` / ``validate`` on a schema nobody here designed: every drafted file
loads, every type ``format_type()`` prints survives the round trip, views and partitions are
skipped (and said so), and what etlq cannot express ends in one line with exit 2."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from foreign_support import Drafts, etlq, query

from etlq.contracts import load_contracts, normalize_type
from etlq.contracts.types import is_numeric_type, is_temporal_type, is_text_type

DRAFTED = {
    "library": ["audit_log", "authors", "books", "copies", "loans", "user", "visits"],
    "Sales": ["Customers", "Order Lines", "Orders", "Returns"],
}
PARTITION = "a partition: the contract of its partitioned table covers its rows"


def test_init_drafts_tables_and_partitioned_parents_and_names_what_it_skips(drafts: Drafts) -> None:
    for schema, names in DRAFTED.items():
        code, out, _ = drafts.runs[schema]
        assert code == 0
        assert out.splitlines() == [str(drafts.path / schema / f"{name}.yml") for name in names]
    assert drafts.runs["library"][2].splitlines() == [
        "skipped library.active_loans: a view: name it with --table to draft one",
        f"skipped library.audit_log_h1: {PARTITION}",
        f"skipped library.audit_log_h2: {PARTITION}",
        f"skipped library.visits_2023: {PARTITION}",
        f"skipped library.visits_2024: {PARTITION}",
    ]
    assert drafts.runs["Sales"][2] == ""


def test_validate_loads_every_draft(drafts: Drafts) -> None:
    code, out, err = etlq("contract", "validate", "--contracts", str(drafts.path), "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    counts = {c["table"]: len(c["checks"]) for c in doc["contracts"]}
    assert counts == {
        "Sales.Customers": 10,
        "Sales.Orders": 12,
        "Sales.Order Lines": 12,
        "Sales.Returns": 7,
        "library.audit_log": 5,
        "library.authors": 8,
        "library.books": 16,
        "library.copies": 6,
        "library.loans": 10,
        "library.user": 10,
        "library.visits": 6,
    }
    assert doc["checks"] == 102
    ids = {i for c in doc["contracts"] for i in c["checks"]}
    assert {
        "library.authors::foreign_key[mentor_id]",  # self-referencing
        "library.loans::foreign_key[book_id,copy_no]",  # composite
        "Sales.Returns::foreign_key[OrderID,Line No]",  # composite, from a table without a key
        "Sales.Order Lines::foreign_key[Book ID]",  # cross-schema
        "Sales.Orders::foreign_key[Member No]",  # to a unique column, not the primary key
        "Sales.Order Lines::unique[OrderID,Line No]",
        "library.visits::unique[visit_id,visit_date]",  # partitioned
        "library.user::range[order]",  # reserved word
    } <= ids


def test_every_live_type_round_trips_through_the_contract(drafts: Drafts, foreign_url: str) -> None:
    live = query(
        foreign_url,
        """SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname IN ('library', 'Sales') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND a.attnum > 0 AND NOT a.attisdropped""",
    )
    assert len(live) == 91
    contracts = {c.table: c for c in load_contracts(drafts.path)}
    for schema, table, column, pg_type in live:
        assert normalize_type(pg_type) == pg_type
        assert contracts[f"{schema}.{table}"].column(column).type == pg_type
    assert {t for *_, t in live} >= {
        "interval(0)",
        "time(3) without time zone",
        "library.book_format[]",
        "character varying(12)[]",
        '"Sales"."Phone Text"',
        '"Sales"."Order Status"',
        "library.isbn13",
    }


def test_drafted_rules_fit_the_column_types(drafts: Drafts) -> None:
    books = yaml.safe_load((drafts.path / "library" / "books.yml").read_text())
    cols = books["columns"]
    # arrays: one value holds many, so no accepted list, no bounds
    assert cols["labels"] == {"type": "character varying(12)[]"}
    assert cols["formats"] == {"type": "library.book_format[]"}
    assert cols["reading_time"] == {"type": "interval(0)"}
    assert cols["rating"] == {"type": "real", "min": 0.0}  # a NaN reading: no max
    assert cols["isbn"] == {"type": "library.isbn13", "nullable": False, "unique": True}
    user = yaml.safe_load((drafts.path / "library" / "user.yml").read_text())
    # valid_to is 'infinity' for most rows: a min, and no max psycopg2 would read as 9999-12-31
    assert str(user["columns"]["valid_to"]["min"]) == "2024-07-03"
    assert "max" not in user["columns"]["valid_to"]
    copies = yaml.safe_load((drafts.path / "library" / "copies.yml").read_text())
    assert copies["columns"]["on"] == {"type": "boolean"}  # YAML 1.1 would read a bare on as true
    customers = yaml.safe_load((drafts.path / "Sales" / "Customers.yml").read_text())
    assert customers["columns"]["Phone Number"] == {"type": '"Sales"."Phone Text"'}
    assert customers["columns"]["Referred By"]["references"] == "Sales.Customers.CustomerID"
    returns = yaml.safe_load((drafts.path / "Sales" / "Returns.yml").read_text())
    assert "primary_key" not in returns
    assert returns["checks"]["foreign_keys"] == [
        {"columns": ["OrderID", "Line No"], "references": "Sales.Order Lines(OrderID, Line No)"}
    ]


@pytest.mark.parametrize("rule", ["accepted: [a, b]", "min: 1", "pattern: '^x'"])
def test_value_rules_on_an_array_column_are_a_file_line_error(tmp_path: Path, rule: str) -> None:
    path = tmp_path / "library" / "books.yml"
    path.parent.mkdir()
    path.write_text(f"table: library.books\ncolumns:\n  tags:\n    type: text[]\n    {rule}\n")
    code, out, err = etlq("contract", "validate", "--contracts", str(tmp_path))
    key = rule.split(":")[0]
    assert (code, out) == (2, "")
    assert err == (
        f"etlq: error: {path}:5: {key!r} in column 'tags' cannot check the array type text[]: it compares"
        " single values (fix: remove it, or write a rule under checks.rules,"
        """ e.g. 'cardinality("tags") > 0')\n"""
    )


def test_type_predicates_know_arrays_and_time_precision() -> None:
    assert not is_text_type("character varying(12)[]") and is_text_type("character varying(12)")
    assert not is_numeric_type("numeric(12,2)[]") and is_numeric_type("numeric(12,2)")
    assert not is_temporal_type("date[]") and is_temporal_type("time(3) without time zone")
    assert normalize_type("timestamptz(3)") == "timestamp(3) with time zone"
    assert normalize_type("TIMESTAMP (3)") == "timestamp(3) without time zone"
    assert normalize_type("geometry(Point,4326)") == "geometry(Point,4326)"  # a modifier keeps its case
    assert normalize_type("interval second(3)") == "interval second(3)"
    assert normalize_type("x; drop table y") is None


def test_a_view_or_a_partition_named_with_table_is_drafted_and_checked(
    foreign_url: str, tmp_path: Path
) -> None:
    code, out, err = etlq(
        "contract", "init", "--url", foreign_url, "--schema", "library",
        "--table", "active_loans", "--table", "visits_2023", "--out", str(tmp_path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        str(tmp_path / "library" / f"{t}.yml") for t in ("active_loans", "visits_2023")
    ]
    for engine in ("sql", "gx"):
        code, out, _ = etlq("check", "--url", foreign_url, "--contracts", str(tmp_path), "--engine", engine)
        assert code == 0, out
    code, out, _ = etlq("drift", "--url", foreign_url, "--contracts", str(tmp_path))
    assert (code, out.splitlines()[-1]) == (0, "2 tables: 0 breaking, 0 non-breaking changes")


def test_names_a_contract_cannot_hold_are_skipped_or_one_line_errors(
    fresh_database_url: str, tmp_path: Path
) -> None:
    query(fresh_database_url, 'CREATE SCHEMA s; CREATE TABLE s."v1.2" (a int); CREATE TABLE s.ok (a int);')
    code, out, err = etlq(
        "contract", "init", "--url", fresh_database_url, "--schema", "s", "--out", str(tmp_path)
    )
    assert (code, out) == (0, f"{tmp_path / 's' / 'ok.yml'}\n")
    assert err == "skipped s.v1.2: its name has a dot, which a contract's 'table: schema.table' cannot hold\n"
    code, out, err = etlq(
        "contract",
        "init",
        "--url",
        fresh_database_url,
        "--schema",
        "s",
        "--table",
        "v1.2",
        "--out",
        str(tmp_path),
    )
    assert (code, out) == (2, "")
    assert err == (
        "etlq: error: table 's.v1.2': its name has a dot, which a contract's 'table: schema.table'"
        " cannot hold (fix: write its contract by hand)\n"
    )
    code, _, err = etlq(
        "contract", "init", "--url", fresh_database_url, "--schema", "a.b", "--out", str(tmp_path)
    )
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err == (
        "etlq: error: schema 'a.b' has a dot, which a contract's 'table: schema.table' cannot hold"
        " (fix: rename the schema, or write its contracts by hand)\n"
    )


def test_a_table_the_role_cannot_read_is_skipped_or_one_line(fresh_database_url: str, tmp_path: Path) -> None:
    role = f"etlq_reader_{uuid.uuid4().hex[:6]}"
    query(
        fresh_database_url,
        f"""CREATE SCHEMA s; CREATE TABLE s.open (a int); CREATE TABLE s.secret (a int);
            CREATE ROLE {role}; GRANT USAGE ON SCHEMA s TO {role}; GRANT SELECT ON s.open TO {role};""",
    )
    as_reader = sa.make_url(fresh_database_url).update_query_dict({"options": f"-c role={role}"})
    url = as_reader.render_as_string(hide_password=False)
    try:
        code, out, err = etlq("contract", "init", "--url", url, "--schema", "s", "--out", str(tmp_path))
        assert (code, out) == (0, f"{tmp_path / 's' / 'open.yml'}\n")
        assert err == "skipped s.secret: cannot read it: permission denied for table secret\n"
        code, out, err = etlq(
            "contract", "init", "--url", url, "--schema", "s", "--table", "secret", "--out", str(tmp_path)
        )
        assert (code, out) == (2, "")
        assert err == (
            "etlq: error: cannot read s.secret: permission denied for table secret"
            " (fix: grant SELECT on it)\n"
        )
    finally:
        query(fresh_database_url, f"DROP OWNED BY {role}; DROP ROLE {role};")
