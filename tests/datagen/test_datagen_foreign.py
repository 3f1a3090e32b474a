"""``etlq generate --tables`` on contracts drafted from a schema nobody here designed
(tests/foreign/schema.sql): the files load with COPY, parents first, into an empty copy of
the schema with every constraint enforced, and ``etlq check`` passes on the result."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import psycopg2
import pytest

from etlq.contracts.model import Column
from fixtures.cli import Etlq

sys.path.insert(0, str(Path(__file__).parents[1] / "foreign"))
from foreign_support import SCHEMA_DDL, SCHEMA_SQL, SCHEMAS, query  # noqa: E402

ROWS = 200


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load(url: str, out: Path) -> dict[str, int]:
    """COPY every generated file in manifest (parents-first) order; rows loaded per table."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    loaded: dict[str, int] = {}
    conn = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    try:
        for table, info in manifest["tables"].items():
            schema, name = table.split(".", 1)
            with open(out / info["file"], encoding="utf-8", newline="") as handle:
                header = next(csv.reader(io.StringIO(handle.readline())))
                handle.seek(0)
                target = f"{_quoted(schema)}.{_quoted(name)} ({', '.join(map(_quoted, header))})"
                with conn.cursor() as cursor:
                    cursor.copy_expert(f"COPY {target} FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
                    loaded[table] = cursor.rowcount
            conn.commit()  # one table at a time: a later child's foreign keys see its parents
    finally:
        conn.close()
    return loaded


def test_generated_tables_load_into_an_empty_copy_and_pass_check(
    fresh_database_url: str, etlq: Etlq, tmp_path: Path
) -> None:
    url, contracts = fresh_database_url, tmp_path / "contracts"
    query(url, SCHEMA_SQL)
    for schema in SCHEMAS:
        code, _, err = etlq("contract", "init", "--url", url, "--schema", schema, "--out", str(contracts))
        assert code == 0, err
    # the same database, emptied: the schema again without its data, every constraint in place
    query(url, 'DROP SCHEMA library CASCADE; DROP SCHEMA "Sales" CASCADE;' + SCHEMA_DDL)

    outs = [tmp_path / "gen1", tmp_path / "gen2"]
    for out in outs:
        argv = ("generate", "--contracts", str(contracts), "--tables", "library.*,Sales.*")
        code, _, err = etlq(
            *argv, "--rows", str(ROWS), "--seed", "1", "--out", str(out), "--run-date", "2026-11-20"
        )
        assert code == 0, err
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert len(files) == 12  # 11 tables and the manifest
    for relative in files:  # determinism: same seed, same bytes
        assert (outs[0] / relative).read_bytes() == (outs[1] / relative).read_bytes(), relative

    manifest = json.loads((outs[0] / "manifest.json").read_text(encoding="utf-8"))
    order = list(manifest["tables"])
    assert order.index("library.authors") < order.index("library.books") < order.index("library.copies")
    assert order.index("library.copies") < order.index("library.loans")
    assert order.index("Sales.Orders") < order.index("Sales.Order Lines") < order.index("Sales.Returns")
    books_header = (outs[0] / "library" / "books.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "price_gross" not in books_header.split(",")  # generated: PostgreSQL computes it

    loaded = _load(url, outs[0])
    expected = {t: info["rows"] for t, info in manifest["tables"].items()}
    assert loaded == expected
    assert expected["library.loans"] == expected["Sales.Returns"] == ROWS
    assert all(rows >= ROWS // 10 for rows in expected.values())
    counted = {
        f"{s}.{t}": query(url, f"SELECT count(*) FROM {_quoted(s)}.{_quoted(t)}")[0][0]
        for s, t in (table.split(".", 1) for table in expected)
    }
    assert counted == expected

    # self-references point to an earlier row, or are NULL
    mentors = query(
        url, "SELECT count(mentor_id), count(*) FILTER (WHERE mentor_id >= author_id) FROM library.authors"
    )
    assert mentors[0][0] > 0 and mentors[0][1] == 0
    referred = query(
        url, 'SELECT count(*) FILTER (WHERE "Referred By" >= "CustomerID") FROM "Sales"."Customers"'
    )
    assert referred == [(0,)]
    # partition ranges from x-datagen: every row found its partition
    per_partition = (
        query(url, "SELECT count(*) FROM library.audit_log_h1")[0][0]
        + query(url, "SELECT count(*) FROM library.audit_log_h2")[0][0]
    )
    assert per_partition == expected["library.audit_log"]

    code, out, err = etlq("check", "--url", url, "--contracts", str(contracts))
    assert code == 0, out[-3000:] + err
    assert "0 failed" in out


def test_a_type_it_cannot_make_is_one_line_and_exit_2(etlq: Etlq, tmp_path: Path) -> None:
    contract = tmp_path / "contracts" / "geo" / "places.yml"
    contract.parent.mkdir(parents=True)
    contract.write_text(
        "table: geo.places\ncolumns:\n  id: {type: bigint, nullable: false}\n"
        "  spot: {type: 'geometry(Point,4326)'}\n",
        encoding="utf-8",
    )
    code, _, err = etlq(
        "generate", "--contracts", str(contract.parent.parent), "--tables", "geo.*", "--rows", "5",
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "geo.places.spot" in err and "geometry(Point,4326)" in err and "fix:" in err
    assert "--tables" in err


def test_a_not_null_foreign_key_to_a_table_left_out_is_exit_2(etlq: Etlq, tmp_path: Path) -> None:
    root = tmp_path / "contracts"
    (root / "s").mkdir(parents=True)
    (root / "s" / "parent.yml").write_text(
        "table: s.parent\nprimary_key: [id]\ncolumns:\n  id: {type: integer, nullable: false}\n"
    )
    (root / "s" / "child.yml").write_text(
        "table: s.child\ncolumns:\n  id: {type: integer}\n"
        "  parent_id: {type: integer, nullable: false, references: s.parent.id}\n"
    )
    code, _, err = etlq("generate", "--contracts", str(root), "--tables", "s.child", "--rows", "5",
                        "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 2 and "s.parent" in err and "--tables" in err
    code, _, err = etlq("generate", "--contracts", str(root), "--tables", "s.child,s.parent", "--rows", "5",
                        "--out", str(tmp_path / "out"))  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(
    ("pg_type", "length"),
    [
        ("character varying(200)", 200),
        ("character(3)", 3),
        ("character varying", None),
        ("character varying(12)[]", None),  # an array: its elements have the length, not the column
        ("text[]", None),
        ("numeric(12,2)", None),
        ("bit(8)", None),
        ('"Sales"."Phone Text"', None),
        ("library.book_format[]", None),
        ("geometry(Point,4326)", None),
    ],
)
def test_max_length_reads_only_character_types(pg_type: str, length: int | None) -> None:
    assert Column("c", pg_type).max_length == length
