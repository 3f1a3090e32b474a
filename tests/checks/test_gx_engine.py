"""Great Expectations as a second engine: the same contracts compiled to a GX 1.x suite must
count exactly what the SQL engine counts, on the same data with the same planted defects."""

from __future__ import annotations

from shop_world import Shop, expected_defects

from etlq.checks import run_checks
from etlq.checks.gx import compile_suite, compile_suites, run_gx

EXPECTATION_TYPES = {
    "bad.orders::row_count": "expect_table_row_count_to_be_between",
    "bad.orders::not_null[order_id]": "expect_column_values_to_not_be_null",
    "bad.orders::unique[order_id]": "expect_column_values_to_be_unique",
    "bad.orders::foreign_key[customer_id]": "unexpected_rows_expectation",
    "bad.orders::accepted_values[status]": "expect_column_values_to_be_in_set",
    "bad.orders::range[amount]": "expect_column_values_to_be_between",
    "bad.orders::pattern[currency]": "expect_column_values_to_match_regex",
    "bad.orders::range[order_date]": "expect_column_values_to_be_between",
    "bad.orders::max_length[note]": "expect_column_value_lengths_to_be_between",
    "bad.orders::unique[order_date,order_id]": "expect_compound_columns_to_be_unique",
    "bad.orders::foreign_key[order_date,currency]": "unexpected_rows_expectation",
    "bad.orders::expression[usd_at_least_amount]": "unexpected_rows_expectation",
    "bad.orders::freshness[loaded_at]": "unexpected_rows_expectation",
    "bad.orders::reconcile[from_src.count]": "unexpected_rows_expectation",
    "bad.orders::reconcile[from_src.sum(amount)]": "unexpected_rows_expectation",
    "bad.orders::reconcile[from_src.missing_keys]": "unexpected_rows_expectation",
    "bad.orders::reconcile[from_src.extra_keys]": "unexpected_rows_expectation",
    "bad.orders::reconcile[from_src.changed]": "unexpected_rows_expectation",
}


def test_suite_maps_each_check_to_its_expectation(shop: Shop) -> None:
    orders = next(c for c in shop.bad if c.table == "bad.orders")
    suite = compile_suite(orders)
    assert suite.name == "bad.orders"
    assert {e.meta["check_id"]: e.expectation_type for e in suite.expectations} == EXPECTATION_TYPES
    accepted = next(e for e in suite.expectations if e.meta["check_id"].endswith("accepted_values[status]"))
    assert accepted.value_set == ["PLACED", "PAID", "SHIPPED", "CANCELLED"]
    assert accepted.meta == {"check_id": "bad.orders::accepted_values[status]", "severity": "error"}


def test_suites_as_json_dicts_carry_id_and_severity(shop: Shop) -> None:
    suites = compile_suites(shop.bad)
    assert [s["name"] for s in suites] == [c.table for c in shop.bad]
    metas = [e["meta"] for s in suites for e in s["expectations"]]
    assert len(metas) == len(expected_defects("bad"))
    assert all(set(m) == {"check_id", "severity"} for m in metas)


def test_gx_counts_equal_sql_counts_on_planted_defects(shop: Shop) -> None:
    sql = {r.id: (r.outcome, r.failing) for r in run_checks(shop.engine, shop.bad).results}
    gx = {r.id: (r.outcome, r.failing) for r in run_gx(shop.url, shop.bad).results}
    assert gx == sql
    assert {check: failing for check, (_, failing) in gx.items()} == expected_defects("bad")


def test_gx_passes_clean_data(shop: Shop) -> None:
    run = run_gx(shop.engine, shop.good)
    assert {r.outcome for r in run.results} == {"passed"}
    assert {r.id: r.failing for r in run.results} == {
        check.replace("bad.", "good."): 0 for check in expected_defects("bad")
    }
    assert run.engine == "gx"


def test_gx_reports_a_missing_table_as_error(shop: Shop, tmp_path) -> None:
    from etlq.contracts import load_contracts

    (tmp_path / "x" / "good").mkdir(parents=True)
    (tmp_path / "x" / "good" / "nope.yml").write_text(
        "table: good.nope\ncolumns:\n  a: {type: int, nullable: false}\n"
    )
    [result] = run_gx(shop.url, load_contracts(tmp_path / "x")).results
    assert (result.outcome, result.message) == (
        "error",
        'GX could not run this check: relation "good.nope" does not exist',
    )
