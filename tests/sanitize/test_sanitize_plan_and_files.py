"""--plan writes nothing; PII found by contract, column name and values; awkward names; CSV output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sanitize_support import plan, query, sanitize_argv

from etlq.contracts.model import Column, Contract
from fixtures.cli import Etlq

ORDER_LINES = '"Sales Data"."Order Lines"'


def test_plan_prints_the_masking_and_writes_nothing(
    etlq: Etlq, source_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ETLQ_MASK_KEY", raising=False)  # a plan needs no key
    out = tmp_path / "never"
    code, text, err = etlq(
        *sanitize_argv(source_url, "shop.orders", "--out", str(out), "--fraction", "0.1", "--plan")
    )
    assert (code, err) == (0, "")
    assert text.splitlines() == [
        "shop.customers",
        "  email                          email       (name)",
        "  full_name                      name        (name)",
        "  phone                          phone       (name)",
        "  dob                            date        (name)",
        "shop.orders",
        "  contact_email                  email       (name)",
    ]
    assert not out.exists()
    temp_left = query(source_url, "SELECT count(*) FROM pg_class WHERE relname LIKE 'etlq_keys_%'")
    assert temp_left == [(0,)]


def test_contract_tags_decide_for_covered_tables(source_url: str) -> None:
    tagged = Contract(
        table="shop.customers",
        path=Path("shop/customers.yml"),
        columns=(
            Column("id", "bigint"),
            Column("segment", "text", pii="free_text"),
            Column("dob", "date", pii="date"),
        ),
    )
    assert plan(source_url, "shop.customers", [tagged]).masking == [
        {"table": "shop.customers", "column": "segment", "method": "free_text", "reason": "contract"},
        {"table": "shop.customers", "column": "dob", "method": "date", "reason": "contract"},
    ]


def test_awkward_names_and_value_detection_to_files(
    etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str
) -> None:
    code, text, err = etlq(
        *sanitize_argv(source_url, ORDER_LINES, "--out", str(tmp_path), "--where", '"Line ID" <= 12'),
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    report = json.loads(text)
    assert report["masking"] == [
        {
            "table": "Sales Data.Customer Accounts",
            "column": "E-Mail Address",
            "method": "email",
            "reason": "name",
        },
        {
            "table": "Sales Data.Customer Accounts",
            "column": "Contact Name",
            "method": "name",
            "reason": "name",
        },
        {"table": "Sales Data.Order Lines", "column": "Reach At", "method": "email", "reason": "values"},
    ]
    assert report["tables"] == {"Sales Data.Customer Accounts": 10, "Sales Data.Order Lines": 12}
    with open(tmp_path / "Sales Data" / "Order Lines.csv", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    with open(tmp_path / "Sales Data" / "Customer Accounts.csv", encoding="utf-8") as handle:
        accounts = {r["Account ID"]: r for r in csv.DictReader(handle)}
    assert [r["Line ID"] for r in lines] == [str(i) for i in range(1, 13)]
    for line in lines:  # the same address masks the same in both tables: the join survives
        assert line["Reach At"] == accounts[line["Account ID"]]["E-Mail Address"]
        assert not line["Reach At"].endswith("@corp.test")
    assert {r["Notes"] for r in accounts.values()} == {"plain note"}
    saved = json.loads((tmp_path / "sanitize-report.json").read_text())
    assert saved["written"] is True and saved["destination"] == str(tmp_path)


def test_leak_in_files_removes_them_and_names_the_column(
    etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str
) -> None:
    code, _, err = etlq(
        *sanitize_argv(source_url, ORDER_LINES, "--out", str(tmp_path), "--fraction", "1"),
        "--keep",
        "Sales Data.Order Lines.Reach At",
    )
    assert code == 1
    assert err == (
        "LEAK Sales Data.Order Lines.Reach At: 30 rows hold values of "
        "Sales Data.Customer Accounts.E-Mail Address\n"
    )
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == []
    assert json.loads((tmp_path / "sanitize-report.json").read_text())["leaks"] == [
        {
            "table": "Sales Data.Order Lines",
            "column": "Reach At",
            "rows": 30,
            "source_column": "Sales Data.Customer Accounts.E-Mail Address",
        }
    ]


def test_unknown_root_and_keep_are_errors(etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str) -> None:
    def run(root: str, *rest: str) -> tuple[int, str, str]:
        return etlq(*sanitize_argv(source_url, root, "--out", str(tmp_path), "--where", "true", *rest))

    code, _, err = run("shop.nope")
    assert code == 2 and err.startswith("etlq: error: --root 'shop.nope': no such table in the source")
    code, _, err = run("shop.orders", "--keep", "shop.orders.contact_mail")
    assert code == 2 and err.startswith(
        "etlq: error: --keep shop.orders.contact_mail: no such column in scope"
    )
