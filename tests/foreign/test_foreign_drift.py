"""``etlq drift --format json`` against the drafts after DDL on the foreign schema: every change
named with its kind, column and breaking flag; exit 1 only when something breaks."""

from __future__ import annotations

from foreign_support import Drafts, etlq_json, query

BREAKING_DDL = """
ALTER TABLE library.books DROP COLUMN cover;
ALTER TABLE library.books ALTER COLUMN copies_sold TYPE integer;
ALTER TABLE library.books ALTER COLUMN pages TYPE integer;
ALTER TYPE library.book_format RENAME TO edition_format;
ALTER TABLE "Sales"."Orders" ALTER COLUMN "Channel" TYPE varchar(20);
ALTER TABLE "Sales"."Orders" ALTER COLUMN "Total" TYPE numeric(10,2);
ALTER TABLE library."user" ADD COLUMN nickname text;
ALTER TABLE library."user" ADD COLUMN tier smallint NOT NULL DEFAULT 1;
ALTER TABLE library."user" ADD COLUMN "Region" text NOT NULL DEFAULT 'x';
ALTER TABLE library."user" ALTER COLUMN "Region" DROP DEFAULT;
ALTER TABLE library.copies DROP CONSTRAINT copies_pkey CASCADE;
ALTER TABLE "Sales"."Order Lines" DROP CONSTRAINT "Order Lines_Book ID_fkey";
ALTER TABLE library.authors DROP CONSTRAINT authors_mentor_id_fkey;
ALTER TABLE library.authors ALTER COLUMN full_name DROP NOT NULL;
ALTER TABLE library.authors ALTER COLUMN country SET NOT NULL;
ALTER TABLE library.visits DROP CONSTRAINT visits_pkey;
ALTER TABLE library.audit_log ADD PRIMARY KEY (at, event);
DROP TABLE "Sales"."Returns";
"""
# (table, kind, column, expected, actual, breaking)
BREAKING_CHANGES = {
    ("library.books", "column_removed", "cover", "bytea", None, True),
    ("library.books", "type_changed", "copies_sold", "bigint", "integer", True),
    ("library.books", "type_changed", "pages", "smallint", "integer", False),
    ("library.books", "type_changed", "format", "library.book_format", "library.edition_format", True),
    ("library.books", "type_changed", "formats", "library.book_format[]", "library.edition_format[]", True),
    ("Sales.Orders", "type_changed", "Channel", "character varying(10)", "character varying(20)", False),
    ("Sales.Orders", "type_changed", "Total", '"Sales"."Money"', "numeric(10,2)", True),
    ("library.user", "column_added", "nickname", None, "text", False),
    ("library.user", "column_added", "tier", None, "smallint not null with default", False),
    ("library.user", "column_added", "Region", None, "text not null", True),
    ("library.copies", "primary_key_changed", "book_id,copy_no", ("book_id", "copy_no"), (), True),
    # dropped by the CASCADE above: the composite foreign key that needed the key
    (
        "library.loans",
        "foreign_key_changed",
        "book_id,copy_no",
        "library.copies(book_id, copy_no)",
        None,
        True,
    ),
    ("Sales.Order Lines", "foreign_key_changed", "Book ID", "library.books(book_id)", None, True),
    ("library.authors", "foreign_key_changed", "mentor_id", "library.authors(author_id)", None, True),
    ("library.authors", "nullability_changed", "full_name", "not null", "nullable", True),
    ("library.authors", "nullability_changed", "country", "nullable", "not null", False),
    ("library.visits", "primary_key_changed", "visit_id,visit_date", ("visit_id", "visit_date"), (), True),
    ("library.audit_log", "primary_key_changed", None, (), ("at", "event"), False),
    ("Sales.Returns", "table_missing", None, "table", None, True),
}

WIDENING_DDL = """
ALTER TABLE library.books ALTER COLUMN pages TYPE integer;
ALTER TABLE library.books ALTER COLUMN rating TYPE double precision;
ALTER TABLE library.books ALTER COLUMN labels TYPE varchar(20)[];
ALTER TABLE library.loans ALTER COLUMN fee TYPE numeric(8,2);
ALTER TABLE library.visits ALTER COLUMN arrived TYPE time(6) without time zone;
ALTER TABLE "Sales"."Orders" ALTER COLUMN "Channel" TYPE text;
ALTER TABLE "Sales"."Customers" ADD COLUMN "Nick Name" text;
ALTER TABLE "Sales"."Customers" ADD COLUMN "Tier" smallint NOT NULL DEFAULT 0;
ALTER TABLE "Sales"."Customers" ADD COLUMN "Seq" bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE library.authors ALTER COLUMN country SET NOT NULL;
"""


def _changes(doc: dict) -> set[tuple]:
    def frozen(value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    return {
        (t["table"], c["kind"], c["column"], frozen(c["expected"]), frozen(c["actual"]), c["breaking"])
        for t in doc["tables"]
        for c in t["changes"]
    }


def test_the_drafted_database_has_no_drift(drafts: Drafts, foreign_url: str) -> None:
    code, doc = etlq_json("drift", "--url", foreign_url, "--contracts", str(drafts.path))
    assert code == 0
    assert len(doc["tables"]) == 11
    assert (doc["breaking"], doc["non_breaking"], _changes(doc)) == (0, 0, set())


def test_every_ddl_change_is_named_with_its_kind_and_breaking_flag(
    drafts: Drafts, fresh_foreign_url: str
) -> None:
    query(fresh_foreign_url, BREAKING_DDL)
    code, doc = etlq_json("drift", "--url", fresh_foreign_url, "--contracts", str(drafts.path))
    assert code == 1
    assert _changes(doc) == BREAKING_CHANGES
    assert (doc["breaking"], doc["non_breaking"]) == (13, 6)


def test_only_widening_and_additions_exit_0(drafts: Drafts, fresh_foreign_url: str) -> None:
    query(fresh_foreign_url, WIDENING_DDL)
    code, doc = etlq_json(
        "drift", "--url", fresh_foreign_url, "--contracts", str(drafts.path), "--schema", "library"
    )
    assert code == 0
    assert {t["table"] for t in doc["tables"]} == {
        f"library.{n}" for n in ("audit_log", "authors", "books", "copies", "loans", "user", "visits")
    }
    assert _changes(doc) == {
        ("library.books", "type_changed", "pages", "smallint", "integer", False),
        ("library.books", "type_changed", "rating", "real", "double precision", False),
        (
            "library.books",
            "type_changed",
            "labels",
            "character varying(12)[]",
            "character varying(20)[]",
            False,
        ),
        ("library.loans", "type_changed", "fee", "numeric(6,2)", "numeric(8,2)", False),
        (
            "library.visits",
            "type_changed",
            "arrived",
            "time(3) without time zone",
            "time(6) without time zone",
            False,
        ),
        ("library.authors", "nullability_changed", "country", "nullable", "not null", False),
    }
    code, doc = etlq_json(
        "drift", "--url", fresh_foreign_url, "--contracts", str(drafts.path), "--schema", "Sales"
    )
    assert code == 0
    assert _changes(doc) == {
        ("Sales.Orders", "type_changed", "Channel", "character varying(10)", "text", False),
        ("Sales.Customers", "column_added", "Nick Name", None, "text", False),
        ("Sales.Customers", "column_added", "Tier", None, "smallint not null with default", False),
        ("Sales.Customers", "column_added", "Seq", None, "bigint not null with default", False),  # identity
    }
