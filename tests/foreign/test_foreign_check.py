"""``etlq check`` with both engines on the foreign schema: the drafts pass on the data they were
drawn from, and planted bad rows are counted exactly, the same by SQL and by GX."""

from __future__ import annotations

from typing import Any

from foreign_support import Drafts, etlq_json, query

# The database enforces what the drafts check, so each bad row needs its constraint dropped
# first: the state of a warehouse copy loaded without constraints.
PLANT = """
ALTER TABLE library.books ALTER COLUMN title DROP NOT NULL;
UPDATE library.books SET title = NULL
    WHERE book_id IN (md5('book10')::uuid, md5('book20')::uuid, md5('book30')::uuid);
ALTER TABLE library.books DROP CONSTRAINT books_isbn_key;
UPDATE library.books SET isbn = '9780000000001' WHERE isbn IN ('9780000000002', '9780000000003');
UPDATE library.books SET pages = 5 WHERE pages > 695;
ALTER TABLE "Sales"."Order Lines" DROP CONSTRAINT "Order Lines_pkey" CASCADE;
INSERT INTO "Sales"."Order Lines"
    SELECT * FROM "Sales"."Order Lines" WHERE "OrderID" IN (5001, 5002) AND "Line No" = 1;
ALTER TABLE "Sales"."Order Lines" DROP CONSTRAINT "Order Lines_Book ID_fkey";
UPDATE "Sales"."Order Lines" SET "Book ID" = '00000000-0000-0000-0000-000000000000' WHERE "OrderID" = 5010;
ALTER TABLE library.authors DROP CONSTRAINT authors_mentor_id_fkey;
UPDATE library.authors SET mentor_id = 99999 WHERE author_id IN (12, 16);
ALTER TABLE library.loans DROP CONSTRAINT loans_book_id_copy_no_fkey;
UPDATE library.loans SET copy_no = 9 WHERE loan_id IN (1, 2, 3, 4);
ALTER TABLE library.visits DROP CONSTRAINT visits_user_id_fkey;
UPDATE library.visits SET user_id = 424242 WHERE visit_id IN (1, 2, 3);
ALTER TABLE library.audit_log ALTER COLUMN event DROP NOT NULL;
INSERT INTO library.audit_log (event, at, user_id) VALUES (NULL, '2024-01-02', 1), (NULL, '2024-03-01', 2);
UPDATE "Sales"."Orders" SET "Channel" = 'fax' WHERE "OrderID" IN (5003, 5006);
UPDATE library."user" SET "order" = -1 WHERE id = 7;
"""
PLANTED = {
    "library.books::not_null[title]": 3,
    "library.books::unique[isbn]": 3,  # three rows share one isbn
    "library.books::range[pages]": 5,
    "Sales.Order Lines::unique[OrderID,Line No]": 4,  # two keys, two rows each
    "Sales.Order Lines::foreign_key[Book ID]": 2,  # cross-schema
    "library.authors::foreign_key[mentor_id]": 2,  # self-referencing
    "library.loans::foreign_key[book_id,copy_no]": 4,  # composite
    "library.visits::foreign_key[user_id]": 3,  # partitioned
    "library.audit_log::not_null[event]": 2,  # partitioned, no primary key
    "Sales.Orders::accepted_values[Channel]": 2,
    "library.user::range[order]": 1,  # reserved word
}


def _failing(url: str, contracts: str, engine: str) -> tuple[int, dict[str, Any]]:
    code, doc = etlq_json("check", "--url", url, "--contracts", contracts, "--engine", engine)
    return code, {c["id"]: (c["outcome"], c["failing"]) for c in doc["checks"]}


def test_drafts_pass_with_both_engines(drafts: Drafts, foreign_url: str) -> None:
    sql_code, sql = _failing(foreign_url, str(drafts.path), "sql")
    gx_code, gx = _failing(foreign_url, str(drafts.path), "gx")
    assert (sql_code, gx_code) == (0, 0)
    assert len(sql) == 102
    assert sql == gx
    assert set(sql.values()) == {("passed", 0)}


def test_planted_bad_rows_are_counted_exactly_by_both_engines(drafts: Drafts, fresh_foreign_url: str) -> None:
    query(fresh_foreign_url, PLANT)
    for engine in ("sql", "gx"):
        code, results = _failing(fresh_foreign_url, str(drafts.path), engine)
        assert code == 1
        assert len(results) == 102
        found = {check: failing for check, (_, failing) in results.items() if failing}
        assert found == PLANTED, engine
        assert {outcome for check, (outcome, _) in results.items() if check not in PLANTED} == {"passed"}
