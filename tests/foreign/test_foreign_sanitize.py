"""``etlq sanitize`` of the foreign database: every foreign key kept (composite, self-referencing,
cross-schema, to a non-key unique column), personal data found by name, type and value and
masked into values its column's type holds, unique keys still unique, and no source value of
a PII column anywhere in the output."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from foreign_support import etlq, foreign_keys, query

from etlq.sanitize import output
from etlq.sanitize.mask import Masker

LOANS = {"library.loans", "library.copies", "library.books", "library.authors", "library.user"}
RETURNS = {
    "Sales.Returns", "Sales.Order Lines", "Sales.Orders", "Sales.Customers",
    "library.books", "library.authors", "library.user",
}  # fmt: skip


def _quoted(table: str) -> str:
    schema, name = table.split(".", 1)
    return f'"{schema}"."{name}"'


def _primary_key(url: str, table: str) -> list[str]:
    rows = query(
        url,
        f"""SELECT a.attname FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
            WHERE i.indrelid = '{_quoted(table)}'::regclass AND i.indisprimary ORDER BY a.attname""",
    )
    return [r[0] for r in rows]


def _values(url: str, table: str, key: list[str], column: str) -> dict[Any, str | None]:
    cols = ", ".join(f'"{c}"::text' for c in key) if key else "ctid::text"
    rows = query(url, f'SELECT {cols}, "{column}"::text FROM {_quoted(table)}')
    return {tuple(r[:-1]): r[-1] for r in rows}


def _text_values(url: str) -> list[tuple[str, str, str]]:
    """Every non-null value of every text-like column of the user schemas: (table, column, value)."""
    columns = query(
        url,
        """SELECT table_schema, table_name, column_name FROM information_schema.columns
           WHERE table_schema IN ('library', 'Sales')
             AND data_type IN ('text', 'character varying', 'character')""",
    )
    found = []
    for schema, table, column in columns:
        for (value,) in query(
            url, f'SELECT "{column}" FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        ):
            found.append((f"{schema}.{table}", column, value))
    return found


def _regclass(url: str, table: str) -> str:
    """How PostgreSQL spells the table (``library."user"``, ``"Sales"."Orders"``)."""
    return str(query(url, f"SELECT '{_quoted(table)}'::regclass::text")[0][0])


def _sanitize(source: str, target: str, root: str, *extra: str) -> dict[str, Any]:
    pick = () if "--where" in extra else ("--fraction", "0.3")
    code, out, err = etlq(
        "sanitize", "--source-url", source, "--target-url", target, "--root", root, *pick, "--format", "json",
        *extra,
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    return dict(json.loads(out))


@pytest.mark.parametrize(
    ("root", "extra", "tables", "fks"),
    [
        ("library.loans", (), LOANS, 5),  # composite foreign key to copies
        ('"Sales"."Returns"', (), RETURNS, 8),  # no primary key; composite and cross-schema keys above it
        ("library.audit_log", (), {"library.audit_log", "library.user"}, 1),  # partitioned, no primary key
        ("Sales.Customers", ("--children",), RETURNS, 8),  # self-referencing, downward
    ],
)
def test_subset_keeps_every_foreign_key_and_masks_every_pii_column(
    foreign_url: str,
    fresh_database_url: str,
    mask_key: str,
    root: str,
    extra: tuple[str, ...],
    tables: set[str],
    fks: int,
) -> None:
    report = _sanitize(foreign_url, fresh_database_url, root, *extra)
    assert (report["leaks"], report["written"], report["read_only"]) == ([], True, True)
    assert set(report["tables"]) == tables
    for table, rows in report["tables"].items():
        assert rows > 0
        assert query(fresh_database_url, f"SELECT count(*) FROM {_quoted(table)}") == [(rows,)]

    # every foreign key among the tables in scope, with its name, columns and parent
    scoped = {_regclass(foreign_url, t) for t in tables}
    expected = {fk for fk in foreign_keys(foreign_url) if fk[0] in scoped and fk[1] in scoped}
    assert foreign_keys(fresh_database_url) == expected
    assert len(expected) == fks

    # every masked value differs from its source row's value; NULL stays NULL
    pii_text: set[str] = set()
    for rule in report["masking"]:
        table, column = rule["table"], rule["column"]
        key = _primary_key(foreign_url, table)
        source = _values(foreign_url, table, key, column)
        masked = _values(fresh_database_url, table, key, column)
        if key:
            for row, value in masked.items():
                assert (value is None) == (source[row] is None), (table, column, row)
                before = source[row]
                assert value is None or before is None or value.strip().lower() != before.strip().lower()
        else:
            assert not {v for v in masked.values() if v} & {v for v in source.values() if v}
        if rule["method"] != "date":
            pii_text |= {
                v.split("/")[0].strip().lower() for v in source.values() if v and len(v.strip()) >= 4
            }

    # an independent leak scan: no source PII value in any text column of the output
    leaked = [(t, c) for t, c, v in _text_values(fresh_database_url) if v.strip().lower() in pii_text]
    assert leaked == []


def test_unique_keys_stay_unique_after_masking(
    foreign_url: str, fresh_database_url: str, mask_key: str
) -> None:
    # 500 display names, ~10,600 first x last name pairs: without re-drawing, some would collide
    assert len({Masker(mask_key.encode()).mask("name", f"Customer Display {g}") for g in range(1, 501)}) < 500
    report = _sanitize(foreign_url, fresh_database_url, "Sales.Customers", "--where", "true")
    assert report["tables"]["Sales.Customers"] == 500
    names = query(
        fresh_database_url, 'SELECT count(DISTINCT "Display Name"), count(*) FROM "Sales"."Customers"'
    )
    assert names == [(500, 500)]
    assert query(
        fresh_database_url,
        """SELECT count(*) FROM pg_constraint
           WHERE contype = 'u' AND conrelid = '"Sales"."Customers"'::regclass""",
    ) == [(1,)]


def test_plan_finds_pii_by_name_by_type_and_by_value(foreign_url: str) -> None:
    code, out, err = etlq(
        "sanitize", "--source-url", foreign_url, "--root", "Sales.Orders", "--fraction", "0.3", "--plan",
        "--format", "json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    plan = json.loads(out)
    assert list(plan["tables"]) == ["Sales.Customers", "library.user", "Sales.Orders"]
    assert [(m["table"], m["column"], m["method"], m["reason"]) for m in plan["masking"]] == [
        ("Sales.Customers", "Full Name", "name", "name"),
        ("Sales.Customers", "Display Name", "name", "name"),
        ("Sales.Customers", "E-Mail", "email", "name"),
        ("Sales.Customers", "Phone Number", "phone", "name"),  # a domain over varchar(32)
        ("Sales.Customers", "Birth Date", "date", "name"),
        ("Sales.Customers", "IP Address", "ip", "name"),  # an inet, not a street address
        ("library.user", "full_name", "name", "name"),
        ("library.user", "email", "email", "name"),
        ("library.user", "phone", "phone", "name"),
        ("library.user", "ip_address", "ip", "name"),
        ("library.user", "contact", "email", "values"),
        ("Sales.Orders", "Placed From", "ip", "type"),
    ]


def test_a_contract_tag_the_column_type_cannot_hold_is_one_line(foreign_url: str, tmp_path: Any) -> None:
    path = tmp_path / "library" / "user.yml"
    path.parent.mkdir()
    path.write_text(
        "table: library.user\ncolumns:\n  id: {type: bigint}\n  ip_address: {type: inet, pii: email}\n"
    )
    argv = ("sanitize", "--source-url", foreign_url, "--root", "library.user", "--fraction", "0.3", "--plan")
    code, out, err = etlq(*argv, "--contracts", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == (
        f"etlq: error: {path}: column 'ip_address' of library.user is tagged pii: email, but a masked email"
        " is no value of its type inet (fix: tag it with a kind its type can hold (address for inet, date for"
        " dates); or pass --keep library.user.ip_address to copy it unmasked on purpose)\n"
    )
    path.write_text(
        "table: library.user\ncolumns:\n  id: {type: bigint}\n  ip_address: {type: inet, pii: address}\n"
    )
    code, out, _ = etlq(*argv, "--contracts", str(tmp_path), "--format", "json")
    assert code == 0
    assert json.loads(out)["masking"] == [
        {"table": "library.user", "column": "ip_address", "method": "ip", "reason": "contract"}
    ]


def test_a_database_error_while_writing_is_one_line_and_leaves_the_target_empty(
    foreign_url: str, fresh_database_url: str, mask_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(conn: sa.Connection, fk: Any) -> None:
        conn.exec_driver_sql("ALTER TABLE no_such_table ADD COLUMN x int")

    monkeypatch.setattr(output, "add_foreign_key", broken)
    code, out, err = etlq(
        "sanitize", "--source-url", foreign_url, "--target-url", fresh_database_url,
        "--root", "library.loans", "--fraction", "0.3",
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert err.startswith("etlq: error: --target-url postgresql+psycopg2://postgres@")
    assert ": foreign key " in err and 'failed: relation "no_such_table" does not exist\n' in err
    assert len(err.splitlines()) == 1
    assert query(
        fresh_database_url, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('library', 'Sales')"
    ) == [(0,)]


@pytest.mark.parametrize(
    ("value", "shape"),
    [("10.1.2.3", r"^\d+\.\d+\.\d+\.\d+$"), ("192.168.1.7/24", r"^\d+\.\d+\.\d+\.\d+/24$"),
     ("10.0.0.0/8", r"^\d+\.0\.0\.0/8$"), ("2001:db8::1f", r"^[0-9a-f:]+$")],
)  # fmt: skip
def test_ip_addresses_mask_into_addresses(value: str, shape: str) -> None:
    import ipaddress
    import re

    masked = Masker(b"k" * 20).mask("ip", value)
    assert masked != value and re.match(shape, masked)
    ipaddress.ip_interface(masked)  # valid for inet; a network stays a network (cidr)


def test_a_unique_column_too_short_for_distinct_masks_is_one_clear_error() -> None:
    from etlq.errors import EtlqError

    owners: dict[str, str] = {}
    masker = Masker(b"k" * 20)
    with pytest.raises(EtlqError) as caught:
        for n in range(2000):
            masker.mask_unique("name", f"Person {n}", "", 2, owners)
    assert str(caught.value).startswith("cannot mask name values uniquely: ")
    assert str(caught.value).endswith(
        " distinct values do not fit in 2 characters (fix: subset fewer rows (--fraction, --where);"
        " or leave the column unmasked on purpose with --keep)"
    )
    assert len(set(owners)) == len(owners)  # every output handed out once
