"""``etlq check`` and ``etlq export`` through the real CLI entry point: exit codes 0/1/2, one-line
errors, JSON on stdout or in --out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shop_world import Shop

SNAPSHOTS = Path(__file__).parent / "snapshots"


def contracts_dir(shop: Shop, schema: str) -> str:
    return str(next(c for c in getattr(shop, schema)).path.parent)


def test_failed_checks_exit_1_with_json_report(shop: Shop, etlq) -> None:
    code, out, err = etlq(
        "check", "--url", shop.url, "--contracts", contracts_dir(shop, "bad"), "--format", "json"
    )
    report = json.loads(out)
    assert (code, err) == (1, "")
    assert report["summary"] == {
        "total": 29,
        "passed": 11,
        "failed": 18,
        "error": 0,
        "not_evaluated": 0,
        "failed_error_severity": 18,
        "failed_warn": 0,
    }


def test_clean_data_exits_0_with_text_report(shop: Shop, etlq) -> None:
    code, out, _ = etlq(
        "check", "--url", shop.url, "--contracts", contracts_dir(shop, "good"), "--select", "good.orders::*"
    )
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == [
        "PASS",
        "error",
        "0/1000",
        "good.orders::row_count",
        "1000",
        "rows,",
        "expected",
        ">=",
        "1",
    ]
    assert lines[-1].startswith(
        "18 checks: 18 passed, 0 failed (0 error, 0 warn), 0 errors, 0 not evaluated [sql engine, "
    )


def test_gx_engine_gives_the_same_exit_code_and_counts(shop: Shop, etlq, tmp_path: Path) -> None:
    out_file = tmp_path / "gx.json"
    args = (
        "check",
        "--url",
        shop.url,
        "--contracts",
        contracts_dir(shop, "bad"),
        "--format",
        "json",
        "--select",
        "bad.orders::*",
    )
    code, out, _ = etlq(*args, "--engine", "gx", "--out", str(out_file))
    assert code == 1
    assert out == f"18 checks, 16 failed, 0 errors -> {out_file}\n"
    gx = {c["id"]: c["failing"] for c in json.loads(out_file.read_text())["checks"]}
    _, sql_out, _ = etlq(*args)
    assert gx == {c["id"]: c["failing"] for c in json.loads(sql_out)["checks"]}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--select", "nothing::*"], "etlq: error: --select 'nothing::*' matches no check"),
        (["--sample-limit", "-1"], "etlq: error: --sample-limit must be >= 0, got -1"),
    ],
)
def test_usage_errors_exit_2_in_one_line(shop: Shop, etlq, argv: list[str], message: str) -> None:
    code, out, err = etlq("check", "--url", shop.url, "--contracts", contracts_dir(shop, "good"), *argv)
    assert (code, out) == (2, "")
    assert err.splitlines()[0].startswith(message) and len(err.splitlines()) == 1


def test_broken_contract_exits_2_with_file_and_line(etlq, tmp_path: Path) -> None:
    bad = tmp_path / "gold" / "t.yml"
    bad.parent.mkdir()
    bad.write_text("table: gold.t\ncolumns:\n  a:\n    type: int\n    nulable: false\n")
    code, out, err = etlq("check", "--url", "postgresql://nobody@127.0.0.1:1/x", "--contracts", str(tmp_path))
    assert (code, out, err) == (
        2,
        "",
        f"etlq: error: {bad}:5: unknown key 'nulable' in column 'a' (did you mean 'nullable'?)\n",
    )


def test_unreachable_database_exits_2(shop: Shop, etlq) -> None:
    code, _, err = etlq(
        "check", "--url", "postgresql://etlq:secret@127.0.0.1:1/x", "--contracts", contracts_dir(shop, "good")
    )
    assert code == 2
    assert err.startswith(
        "etlq: error: cannot connect to the database at postgresql+psycopg2://etlq:***@127.0.0.1:1/x: "
    )
    assert err.rstrip().endswith(
        "(fix: check the host and port in --url and that the server accepts connections from here)"
    )
    assert "secret" not in err and len(err.splitlines()) == 1


def test_export_dqdl_ruleset(shop: Shop, etlq, tmp_path: Path) -> None:
    tmp_path = tmp_path / "out"
    code, out, err = etlq("export", "dqdl", "--contracts", contracts_dir(shop, "bad"), "--out", str(tmp_path))
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bad.customers.dqdl",
        "bad.events.dqdl",
        "bad.fx.dqdl",
        "bad.orders.dqdl",
    ]
    assert (tmp_path / "bad.orders.dqdl").read_text() == (SNAPSHOTS / "bad.orders.dqdl").read_text()
    assert err == (
        "    not expressible in DQDL: bad.orders::reconcile[from_src.count]\n"
        "    not expressible in DQDL: bad.orders::reconcile[from_src.sum(amount)]\n"
        "    not expressible in DQDL: bad.orders::reconcile[from_src.missing_keys]\n"
        "    not expressible in DQDL: bad.orders::reconcile[from_src.extra_keys]\n"
        "    not expressible in DQDL: bad.orders::reconcile[from_src.changed]\n"
    )
    assert f"{tmp_path / 'bad.orders.dqdl'}  (13 rules)" in out.splitlines()


def test_export_gx_suites_load_back(shop: Shop, etlq, tmp_path: Path) -> None:
    from great_expectations.core import ExpectationSuite

    tmp_path = tmp_path / "out"
    code, out, _ = etlq(
        "export", "gx", "--contracts", contracts_dir(shop, "bad"), "--out", str(tmp_path), "--format", "json"
    )
    assert code == 0
    paths = [Path(f["path"]) for f in json.loads(out)["files"]]
    suite = ExpectationSuite(**json.loads((tmp_path / "bad.orders.json").read_text()))
    assert len(paths) == 5
    assert [e.meta["check_id"] for e in suite.expectations][:2] == [
        "bad.orders::row_count",
        "bad.orders::not_null[order_id]",
    ]
