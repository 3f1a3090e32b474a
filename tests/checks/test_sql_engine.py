"""The SQL engine on real PostgreSQL: clean data passes, planted defects give exact counts,
one fused scan per table, samples only for failures, errors instead of exceptions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shop_world import Shop, expected_defects
from sqlalchemy import Engine, event

from etlq.checks import plan_checks, run_checks, run_table
from etlq.checks.sql_build import SCAN_KINDS
from etlq.drift.catalog import read_catalog


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends, savepoint bookkeeping left out."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if (
            not statement.lstrip()
            .upper()
            .startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
        ):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_clean_data_passes_every_check(shop: Shop) -> None:
    run = run_checks(shop.engine, shop.good)
    assert {r.id: (r.outcome, r.failing) for r in run.results} == {
        check.replace("bad.", "good."): ("passed", 0) for check in expected_defects("bad")
    }
    assert run.exit_code() == 0


def test_planted_defects_give_exact_failing_counts(shop: Shop) -> None:
    run = run_checks(shop.engine, shop.bad)
    assert {r.id: r.failing for r in run.results} == expected_defects("bad")
    assert all(r.outcome == ("failed" if r.failing else "passed") for r in run.results)
    assert run.exit_code() == 1


def test_totals_and_messages(shop: Shop) -> None:
    results = run_checks(shop.engine, shop.bad, select="bad.orders::*,bad.events::row_count").by_id()
    assert results["bad.orders::not_null[order_id]"].total == 1039
    assert results["bad.orders::not_null[order_id]"].message == "3 of 1039 rows with NULL order_id"
    assert results["bad.orders::unique[order_id]"].total == 1036  # rows with a non-null key
    assert results["bad.orders::unique[order_id]"].message == (
        "4 of 1036 rows sharing their (order_id) with another row (2 duplicated keys)"
    )
    assert results["bad.events::row_count"].message == "6 rows, expected between 1 and 5"
    assert results["bad.orders::reconcile[from_src.count]"].message == (
        "bad.src_orders has 1035 rows, bad.orders has 1039 (difference 4)"
    )


def test_samples_only_for_failures_and_capped(shop: Shop) -> None:
    results = run_checks(shop.engine, shop.bad, sample_limit=3).by_id()
    assert results["bad.orders::row_count"].sample == ()
    negative = results["bad.orders::range[amount]"].sample
    assert len(negative) == 3
    assert all(row["amount"] < 0 or row["amount"] > 1000 for row in negative)
    assert [row["order_id"] for row in results["bad.orders::reconcile[from_src.missing_keys]"].sample] == [
        3001,
        3002,
        3003,
    ]
    assert {row["occurrences"] for row in results["bad.orders::unique[order_id]"].sample} == {2}


def test_changed_values_name_both_sides_null_safely(shop: Shop) -> None:
    changed = run_checks(shop.engine, shop.bad, sample_limit=10).by_id()[
        "bad.orders::reconcile[from_src.changed]"
    ]
    assert changed.message == "6 keys with other values of note in bad.orders than in bad.src_orders"
    assert [(r["order_id"], r["source_note"], r["target_note"]) for r in changed.sample] == [
        (40, "order forty", "order 40"),
        (41, "order forty", "order 41"),
        (42, None, "order 42"),
        (100, "order 100", "a note far too long"),
        (101, "order 101", "a note far too long"),
        (102, "order 102", "twelve chars"),
    ]


def test_one_fused_scan_per_table(shop: Shop) -> None:
    contract = next(c for c in shop.good if c.table == "good.orders")
    specs = plan_checks([contract])
    scan_specs = [s for s in specs if s.kind in SCAN_KINDS]
    with shop.engine.connect() as conn:
        catalog = read_catalog(conn, tables=["good.orders", "good.customers", "good.fx", "good.src_orders"])
        with statements(shop.engine) as seen:
            results = run_table(conn, contract, scan_specs, catalog=catalog)
        assert len(scan_specs) == 9 and len(seen) == 1
        assert seen[0].count("FILTER (WHERE") == 7  # not_null, accepted, 2 ranges, pattern, max_length, rule
        assert {r.sql for r in results} == {results[0].sql}
        with statements(shop.engine) as seen:
            run_table(conn, contract, specs, catalog=catalog)
        # 1 scan + 2 unique + 2 anti-joins + 1 reconcile (counts, sums and both key differences)
        assert len(seen) == 6


def test_failing_rows_fetched_only_for_failed_checks(shop: Shop) -> None:
    contract = next(c for c in shop.bad if c.table == "bad.orders")
    specs = [s for s in plan_checks([contract]) if s.kind in SCAN_KINDS]
    with shop.engine.connect() as conn, statements(shop.engine) as seen:
        results = run_table(conn, contract, specs)
    failed = [r for r in results if r.outcome == "failed"]
    assert len(failed) == 7
    assert len(seen) == 2 + 1 + len(failed)  # catalog (columns, keys), fused scan, a sample per failure


def test_missing_table_and_column_are_errors_not_exceptions(shop: Shop, tmp_path) -> None:
    from etlq.contracts import load_contracts

    (tmp_path / "x" / "good").mkdir(parents=True)
    (tmp_path / "x" / "good" / "nope.yml").write_text(
        "table: good.nope\ncolumns:\n  a: {type: int, nullable: false}\n"
    )
    (tmp_path / "x" / "good" / "orders.yml").write_text(
        "table: good.orders\ncolumns:\n  amout: {type: int, nullable: false}\n"
        "  status: {type: text, nullable: false}\n"
    )
    run = run_checks(shop.url, load_contracts(tmp_path / "x"))
    assert [(r.id, r.outcome, r.message) for r in run.results] == [
        ("good.nope::not_null[a]", "error", "table good.nope does not exist"),
        (
            "good.orders::not_null[amout]",
            "error",
            "column 'amout' does not exist in good.orders (did you mean 'amount'?)",
        ),
        ("good.orders::not_null[status]", "passed", "0 of 1000 rows with NULL status"),
    ]
    assert run.exit_code() == 1


def test_a_rejected_expression_errors_alone(shop: Shop, tmp_path) -> None:
    from etlq.contracts import load_contracts

    (tmp_path / "x" / "good").mkdir(parents=True)
    (tmp_path / "x" / "good" / "orders.yml").write_text(
        "table: good.orders\ncolumns:\n  order_id: {type: bigint, nullable: false}\n"
        "checks:\n  rules:\n    - {name: bad_sql, expression: 'amount >>> 1'}\n"
        "    - {name: fine, expression: 'amount >= 0'}\n"
    )
    results = run_checks(shop.engine, load_contracts(tmp_path / "x")).by_id()
    assert results["good.orders::not_null[order_id]"].outcome == "passed"
    assert results["good.orders::expression[fine]"].outcome == "passed"
    bad = results["good.orders::expression[bad_sql]"]
    assert (bad.outcome, bad.message) == (
        "error",
        "the database rejected this check: operator does not exist: numeric >>> integer",
    )
    assert "amount >>> 1" in bad.sql
