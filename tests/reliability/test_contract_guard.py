"""Contract files are data: an ``expression`` rule is one scalar boolean expression, parsed by
PostgreSQL's grammar; anything else is refused at load with file:line; and check connections
refuse to write whatever reaches them (issue 11: "a contract rule can write")."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from etlq.connect import ReadOnlyViolation, make_engine
from etlq.contracts import load_contracts
from etlq.errors import ContractError
from etlq.sqlguard import expression_refusal, statement_refusal
from fixtures.database import query

ACCEPTED = [
    "amount > 0",
    "status <> 'SHIPPED' OR amount > 0",
    "amount_usd IS NULL OR amount_usd = round(amount * fx_rate, 2)",
    "(amount_usd IS NULL) = (fx_rate IS NULL)",
    "EXISTS (SELECT 1 FROM gold.fact_orders f WHERE f.order_date = daily_revenue.order_date)",
    "revenue_usd = (SELECT coalesce(sum(f.amount_usd), 0) FROM gold.fact_orders f WHERE f.x = 1)",
    "updated_at <= now()",
    'cardinality("tags") > 0',
    "status IN ('A', 'B') AND amount BETWEEN 0 AND 10",
    "lower(email) LIKE '%@%' AND length(email) < 255",
    "CASE WHEN status = 'X' THEN amount = 0 ELSE true END",
    "valid_to IS NULL OR valid_to > valid_from",
]
INJECTIONS = {
    "closes the SELECT and commits": "1) FROM t; COMMIT; DELETE FROM shop.orders; COMMIT; SELECT (1",
    "two statements": "true; DELETE FROM shop.orders",
    "set read write": "true); SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; SELECT (1",
    "set_config": "set_config('default_transaction_read_only', 'off', false) = 'off'",
    "pg_sleep": "pg_sleep(60) IS NULL",
    "dblink": "dblink_exec('dbname=x', 'DELETE FROM t') = 'x'",
    "large object": "lo_unlink(1) = 1",
    "terminate": "pg_terminate_backend(1)",
    "schema-qualified function": "public.evil(amount) > 0",
    "writing CTE": "EXISTS (WITH d AS (DELETE FROM shop.orders RETURNING 1) SELECT 1 FROM d)",
    "row locks": "(SELECT 1 FROM shop.orders FOR UPDATE LIMIT 1) = 1",
    "select into": "EXISTS (SELECT 1 INTO TEMP x FROM shop.orders)",
    "a FROM clause of its own": "true FROM shop.orders",
    "a parameter": "amount > $1",
    "nextval": "nextval('s') > 0",
    "advisory lock": "pg_advisory_lock(1) IS NULL",
    "not SQL": "amount >",
}


@pytest.mark.parametrize("expression", ACCEPTED)
def test_a_plain_expression_is_accepted(expression: str) -> None:
    assert expression_refusal(expression) is None


@pytest.mark.parametrize("expression", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_an_expression_that_is_more_than_an_expression_is_refused(expression: str) -> None:
    assert expression_refusal(expression)


@pytest.mark.parametrize(
    "sql",
    [
        "COMMIT",
        "BEGIN",
        "DELETE FROM shop.orders",
        "SET TRANSACTION READ WRITE",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "SELECT 1; DELETE FROM shop.orders",
        "SELECT set_config('transaction_read_only', 'off', false)",
        "SELECT pg_sleep(1)",
        "SELECT * FROM shop.orders FOR UPDATE",
    ],
)
def test_a_check_connection_refuses_anything_but_one_read(sql: str) -> None:
    assert statement_refusal(sql)


def _contract(tmp_path: Path, expression: str) -> Path:
    path = tmp_path / "shop" / "orders.yml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "table: shop.orders\ncolumns:\n  id: {type: integer}\n"
        f"checks:\n  rules:\n    - name: r\n      expression: {expression!r}\n"
    )
    return path


def test_the_loader_refuses_an_injected_rule_with_file_and_line(tmp_path: Path) -> None:
    path = _contract(tmp_path, INJECTIONS["closes the SELECT and commits"])
    with pytest.raises(ContractError) as caught:
        load_contracts(path)
    assert str(caught.value).startswith(f"{path}:7: rule 'r': the expression must be one expression")


def test_etlq_check_with_an_injected_rule_exits_2_and_the_table_keeps_its_rows(
    tmp_path: Path, fresh_database_url: str, etlq
) -> None:
    query(fresh_database_url, "CREATE SCHEMA shop; CREATE TABLE shop.orders AS SELECT 1 AS id")
    path = _contract(tmp_path, INJECTIONS["closes the SELECT and commits"])
    for engine in ("sql", "gx"):
        code, out, err = etlq(
            "check", "--url", fresh_database_url, "--contracts", str(path), "--engine", engine
        )
        assert (code, out) == (2, "")
        assert err.startswith(f"etlq: error: {path}:7: rule 'r': the expression")
    assert query(fresh_database_url, "SELECT count(*) FROM shop.orders") == [(1,)]


def test_a_read_only_engine_cannot_write_even_below_the_guard(fresh_database_url: str) -> None:
    query(fresh_database_url, "CREATE TABLE t AS SELECT 1 AS id")
    engine = make_engine(fresh_database_url, read_only=True)
    try:
        with pytest.raises(ReadOnlyViolation), engine.connect() as conn:
            conn.execute(sa.text("DELETE FROM t"))
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")  # raw driver: no guard
            raw.commit()
            with pytest.raises(Exception, match="read-only transaction"):
                cur.execute("DELETE FROM t")  # psycopg2 still begins READ ONLY
        finally:
            raw.close()
    finally:
        engine.dispose()
    assert query(fresh_database_url, "SELECT count(*) FROM t") == [(1,)]


def test_a_statement_over_the_timeout_is_an_error_result_not_a_hang(
    tmp_path: Path, fresh_database_url: str, etlq, monkeypatch: pytest.MonkeyPatch
) -> None:
    query(
        fresh_database_url,
        "CREATE SCHEMA shop; CREATE TABLE shop.orders AS SELECT g AS id FROM generate_series(1, 3) g",
    )
    monkeypatch.setenv("ETLQ_STATEMENT_TIMEOUT", "0")  # restored after; --statement-timeout sets it
    # a slow expression without pg_sleep: a cross join big enough to run for seconds
    path = _contract(tmp_path, "(SELECT count(*) FROM generate_series(1, 30000000)) > 0")
    code, out, err = etlq(
        "--statement-timeout",
        "0.3",
        "check",
        "--url",
        fresh_database_url,
        "--contracts",
        str(path),
        "--format",
        "json",
    )
    assert code == 1, err
    assert '"outcome": "error"' in out and "statement timeout" in out


def test_a_server_that_never_answers_fails_within_the_connect_timeout(etlq, monkeypatch) -> None:
    monkeypatch.setenv("ETLQ_CONNECT_TIMEOUT", "5")  # restored after; --connect-timeout sets it
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    try:
        code, out, err = etlq(
            "--connect-timeout", "2", "check", "--url", f"postgresql://u:S3cretPW@127.0.0.1:{port}/x",
            "--contracts", "testdata/contracts",
        )  # fmt: skip
    finally:
        listener.close()
        for s in accepted:
            s.close()
    assert code == 2
    assert err.startswith(
        f"etlq: error: cannot connect to the database at postgresql+psycopg2://u:***@127.0.0.1:{port}/x"
    )
    assert "S3cretPW" not in err + out
