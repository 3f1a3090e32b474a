"""etlq sanitize into a target database: subset closed over foreign keys, keyed masking, leak scan."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sanitize_support import EMAIL, KEY, query, sanitize_argv, schemas_in

from fixtures.cli import Etlq


def _digits_layout(text: str) -> str:
    return re.sub(r"\d", "9", text)


def test_subset_keeps_foreign_keys_and_masks_consistently(
    etlq: Etlq, source_url: str, fresh_database_url: str, mask_key: str
) -> None:
    code, out, err = etlq(
        *sanitize_argv(
            source_url, "shop.orders", "--target-url", fresh_database_url, "--where", "id <= 5", "--children",
            "--format", "json",
        )
    )  # fmt: skip
    assert (code, err) == (0, "")
    report = json.loads(out)
    # orders 1..5 belong to customers 2..6; --children pulls their items, not the customers' audit_log
    assert report["tables"] == {"shop.customers": 5, "shop.orders": 5, "shop.items": 10}
    assert report["read_only"] is True and report["written"] is True and report["leaks"] == []
    fks = query(
        fresh_database_url,
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' ORDER BY 1",
    )
    assert fks == [("shop.items", "shop.orders"), ("shop.orders", "shop.customers")]
    assert query(fresh_database_url, "SELECT id FROM shop.customers ORDER BY id") == [
        (i,) for i in range(2, 7)
    ]
    joined = query(
        fresh_database_url,
        "SELECT o.contact_email, c.email FROM shop.orders o "
        "JOIN shop.customers c ON c.id = o.customer_id ORDER BY o.id",
    )
    assert len(joined) == 5 and all(
        a == b and EMAIL.match(a) for a, b in joined
    )  # 'User2@Mail.test' ~ 'user2@mail.test'


def test_masked_values_keep_their_format(
    etlq: Etlq, source_url: str, fresh_database_url: str, mask_key: str
) -> None:
    code, _, _ = etlq(
        *sanitize_argv(
            source_url, "shop.customers", "--target-url", fresh_database_url, "--where", "id BETWEEN 5 AND 15"
        )
    )
    assert code == 0
    columns = "id, email, full_name, phone, dob, segment"
    sql = f"SELECT {columns} FROM shop.customers WHERE id BETWEEN 5 AND 15 ORDER BY id"
    before, after = query(source_url, sql), query(fresh_database_url, sql)
    assert [r[0] for r in after] == list(range(5, 16))
    for src, dst in zip(before, after, strict=True):
        assert EMAIL.match(dst[1]) and dst[1] != src[1]
        assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", dst[2]) and dst[2] != src[2]
        assert (dst[3] is None) == (src[3] is None)  # NULL stays NULL
        if src[3] is not None:
            assert _digits_layout(dst[3]) == _digits_layout(src[3]) and dst[3] != src[3]
        assert 0 < abs((dst[4] - src[4]).days) <= 30
        assert dst[5] == src[5]  # not personal: untouched


def test_same_key_same_output_other_key_other_output(
    etlq: Etlq, source_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = sanitize_argv(source_url, "shop.customers", "--where", "id < 4", "--out")
    monkeypatch.setenv("ETLQ_MASK_KEY", KEY)
    assert etlq(*args, str(tmp_path / "a"))[0] == 0
    assert etlq(*args, str(tmp_path / "b"))[0] == 0
    monkeypatch.setenv("ETLQ_MASK_KEY", KEY + "-rotated")
    assert etlq(*args, str(tmp_path / "c"))[0] == 0
    a, b, c = ((tmp_path / d / "shop" / "customers.csv").read_text() for d in "abc")
    assert a == b and a != c
    assert a.splitlines()[0] == "id,email,full_name,phone,dob,segment"


def test_leak_scan_catches_an_unmasked_column_and_rolls_back(
    etlq: Etlq, source_url: str, fresh_database_url: str, mask_key: str
) -> None:
    code, out, err = etlq(
        *sanitize_argv(
            source_url, "shop.orders", "--target-url", fresh_database_url, "--where", "id <= 5",
            "--keep", "shop.orders.contact_email",
        )
    )  # fmt: skip
    assert code == 1
    assert err == "LEAK shop.orders.contact_email: 5 rows hold values of shop.customers.email\n"
    assert "NOT written (leak found)" in out
    assert schemas_in(fresh_database_url, "shop") == 0


def test_refuses_without_a_key_and_writes_nothing(
    etlq: Etlq, source_url: str, fresh_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ETLQ_MASK_KEY", raising=False)
    code, out, err = etlq(
        *sanitize_argv(source_url, "shop.orders", "--target-url", fresh_database_url, "--fraction", "0.5")
    )
    assert code == 2 and out == ""
    assert err.startswith(
        "etlq: error: no masking key: sanitize refuses to run without one (fix: export ETLQ_MASK_KEY="
    )
    assert schemas_in(fresh_database_url, "shop") == 0


def test_existing_target_tables_are_refused(
    etlq: Etlq, source_url: str, fresh_database_url: str, mask_key: str
) -> None:
    args = sanitize_argv(source_url, "shop.orders", "--target-url", fresh_database_url, "--where", "id = 1")
    assert etlq(*args)[0] == 0
    code, _, err = etlq(*args)
    assert code == 2 and "already has shop.customers, shop.orders" in err
    assert query(fresh_database_url, "SELECT count(*) FROM shop.orders") == [(1,)]


def test_fraction_is_a_stable_hash_sample(etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str) -> None:
    runs, reported = [], []
    for name in ("a", "b"):
        argv = sanitize_argv(source_url, "shop.orders", "--out", str(tmp_path / name), "--fraction", "0.25")
        code, out, _ = etlq(*argv, "--format", "json")
        assert code == 0
        runs.append((tmp_path / name / "shop" / "orders.csv").read_text())
        reported.append(json.loads(out)["tables"]["shop.orders"])
    assert runs[0] == runs[1]
    picked = len(runs[0].splitlines()) - 1
    assert 25 <= picked <= 75  # 200 orders, about a quarter
    assert reported == [picked, picked]
    assert (
        json.loads((tmp_path / "a" / "sanitize-report.json").read_text())["tables"]["shop.orders"] == picked
    )


def test_bad_where_is_a_one_line_error(etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str) -> None:
    code, _, err = etlq(
        *sanitize_argv(source_url, "shop.orders", "--out", str(tmp_path), "--where", "no_such_column = 1")
    )
    assert code == 2
    assert err == (
        "etlq: error: --where 'no_such_column = 1' failed on shop.orders: "
        'column "no_such_column" does not exist (fix: check the SQL predicate)\n'
    )
    assert not (tmp_path / "shop").exists()
