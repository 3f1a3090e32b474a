"""``etlq export dqdl`` of the foreign drafts: a ruleset per table, names quoted for DQDL and for
the Spark SQL inside it, and keys DQDL cannot list reported as skipped instead of mangled."""

from __future__ import annotations

import json
from pathlib import Path

from foreign_support import Drafts, etlq


def test_dqdl_ruleset_per_foreign_table(drafts: Drafts, tmp_path: Path) -> None:
    code, out, err = etlq(
        "export", "dqdl", "--contracts", str(drafts.path), "--out", str(tmp_path), "--format", "json"
    )
    assert (code, err) == (0, "")
    files = {f["table"]: f for f in json.loads(out)["files"]}
    assert len(files) == 11
    assert all(f["skipped"] == [] for f in files.values())
    assert files["Sales.Order Lines"]["reference_datasets"] == {
        "Sales_Orders": "Sales.Orders",
        "library_books": "library.books",
    }
    lines = (tmp_path / "Sales.Order Lines.dqdl").read_text().splitlines()
    assert lines[0] == "Rules = ["
    assert '    IsUnique "OrderID" "Line No",' in lines
    assert '    ReferentialIntegrity "Book ID" "library_books.{book_id}" = 1.0,' in lines
    loans = (tmp_path / "library.loans.dqdl").read_text()
    assert 'ReferentialIntegrity "book_id,copy_no" "library_copies.{book_id,copy_no}" = 1.0' in loans
    authors = (tmp_path / "library.authors.dqdl").read_text()
    assert 'ReferentialIntegrity "mentor_id" "library_authors.{author_id}" = 1.0' in authors
    user = (tmp_path / "library.user.dqdl").read_text()
    assert '(ColumnValues "order" >= 0) and (ColumnValues "order" <= 99)' in user


def test_spark_sql_names_are_backquoted_and_unlistable_keys_skipped(tmp_path: Path) -> None:
    contracts = tmp_path / "contracts" / "Sales"
    contracts.mkdir(parents=True)
    (contracts / "Visits.yml").write_text(
        """table: Sales.Visits
columns:
  "Visit, Id": {type: bigint, references: Sales.Parent.Id}
  Signed Up: {type: timestamptz}
  Amount €: {type: numeric}
checks:
  freshness: {column: Signed Up, max_age: 36h}
reconcile:
  - {name: from_src, source: Sales.Src, key: ["Visit, Id"], measures: [Amount €]}
"""
    )
    contracts_dir, out_dir = str(tmp_path / "contracts"), str(tmp_path / "o")
    code, out, _ = etlq("export", "dqdl", "--contracts", contracts_dir, "--out", out_dir, "--format", "json")
    assert code == 0
    assert json.loads(out)["files"][0]["skipped"] == [
        "Sales.Visits::foreign_key[Visit, Id]",  # DQDL lists columns comma-separated
        "Sales.Visits::reconcile[from_src.missing_keys]",
        "Sales.Visits::reconcile[from_src.extra_keys]",
    ]
    rules = (tmp_path / "o" / "Sales.Visits.dqdl").read_text()
    assert (
        'CustomSql "select count(*) from primary where `Signed Up` >= current_timestamp()'
        ' - interval 129600 seconds" > 0' in rules
    )
    assert 'AggregateMatch "sum(`Amount €`)" "sum(Sales_Src.`Amount €`)" = 1.0' in rules
