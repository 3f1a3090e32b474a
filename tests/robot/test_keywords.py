"""The Robot keyword library against a real database: outcomes and failure texts, word for word."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg2.errors
import pytest
import sqlalchemy as sa

from etlq.connect import ReadOnlyViolation
from etlq.robot_library import EtlqLibrary
from etlq.robot_library.state import KeywordError
from fixtures.database import query
from tests.plugin.shop import RAW_CONTRACT, create_shop, write_contract


@pytest.fixture
def lib(fresh_database_url: str, tmp_path: Path) -> Iterator[EtlqLibrary]:
    create_shop(fresh_database_url)
    library = EtlqLibrary(contracts=str(write_contract(tmp_path / "contracts")))
    library.connect_to_warehouse(fresh_database_url, run_date="2024-03-01")
    yield library
    library.disconnect_from_warehouse()


def _fails(keyword: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(AssertionError) as exc:
        keyword(*args, **kwargs)  # type: ignore[operator]
    return str(exc.value)


def test_check_should_pass(lib: EtlqLibrary) -> None:
    lib.check_should_pass("shop.orders::unique[order_id]")
    assert _fails(lib.check_should_pass, "shop.orders::accepted_values[status]") == (
        "shop.orders::accepted_values[status] failed: 2 of 5 rows failing (error)"
    )


def test_message_replaces_the_default_text(lib: EtlqLibrary) -> None:
    assert (
        _fails(lib.check_should_pass, "shop.orders::accepted_values[status]", message="bad statuses")
        == "bad statuses"
    )
    assert _fails(lib.table_should_match_contract, "shop.orders", message="shop broken") == "shop broken"


def test_check_failing_count_should_be(lib: EtlqLibrary) -> None:
    lib.check_failing_count_should_be("shop.orders::accepted_values[status]", 2)
    lib.check_failing_count_should_be("shop.orders::range[amount]", 1)
    assert _fails(lib.check_failing_count_should_be, "shop.orders::accepted_values[status]", 0) == (
        "shop.orders::accepted_values[status]: expected 0 failing, got 2"
    )


def test_table_should_match_contract_fails_on_error_severity_only(lib: EtlqLibrary) -> None:
    assert _fails(lib.table_should_match_contract, "shop.orders") == (
        "shop.orders does not match its contract: 1 of 5 checks failed: "
        "shop.orders::accepted_values[status] (2 failing)"
    )


def test_table_matches_once_the_rows_are_fixed(lib: EtlqLibrary, fresh_database_url: str) -> None:
    query(fresh_database_url, "UPDATE shop.orders SET status = 'PAID' WHERE order_id IN (3, 4)")
    lib.table_should_match_contract("shop.orders")  # the warn-severity negative amount is only logged
    lib.check_failing_count_should_be("shop.orders::accepted_values[status]", 0)
    lib.check_failing_count_should_be("shop.orders::range[amount]", 1)  # still there, not blocking


def test_deployed_warehouse_is_read_only(lib: EtlqLibrary) -> None:
    engine = lib._state.engine
    with pytest.raises(ReadOnlyViolation, match="it is DELETE"), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM shop.orders"))
    for sql in (
        "SET TRANSACTION READ WRITE",
        "COMMIT",
        "SELECT set_config('transaction_read_only', 'off', true)",
    ):
        with pytest.raises(ReadOnlyViolation), engine.connect() as conn:
            conn.execute(sa.text(sql))
    # the second wall: below the statement guard, the driver still begins every transaction READ ONLY
    raw = engine.raw_connection()
    try:
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction), raw.cursor() as cur:
            cur.execute("DELETE FROM shop.orders")
    finally:
        raw.close()


def test_schema_drift(lib: EtlqLibrary, fresh_database_url: str) -> None:
    lib.schema_should_not_drift()
    lib.breaking_drift_count_should_be(0, table="shop.orders")
    query(fresh_database_url, "ALTER TABLE shop.orders DROP COLUMN amount")
    assert _fails(lib.schema_should_not_drift, "shop.orders") == (
        "breaking schema drift: shop.orders: column_removed amount (expected numeric(10,2), actual None)"
    )
    assert _fails(lib.breaking_drift_count_should_be, 0) == "expected 0 breaking schema changes, got 1"


def test_row_count_and_tables(lib: EtlqLibrary) -> None:
    assert lib.get_row_count("shop.orders") == 5
    assert lib.get_row_count("shop.orders", where="status = 'PAID'") == 2
    assert lib.get_contract_tables("shop.*") == ["shop.orders"]


def test_etl_job_should_have_succeeded_without_audit_rows(lib: EtlqLibrary, fresh_database_url: str) -> None:
    from etl.etlq_pipeline import pipeline  # the records as etl/ writes them, read back through the interface

    pipeline.prepare(fresh_database_url)
    query(
        fresh_database_url,
        "INSERT INTO audit.job_runs (job, run_date, status, error, details)"
        " VALUES ('gold', '2024-03-01', 'failed', 'QualityGateFailed: 2 error expectation(s)', '{}')",
    )
    assert (
        _fails(lib.etl_job_should_have_succeeded, "ingest")
        == "no ingest run for 2024-03-01 in the pipeline's run records"
    )
    assert _fails(lib.etl_job_should_have_succeeded, "gold", "2024-03-01") == (
        "latest gold run for 2024-03-01 is failed: QualityGateFailed: 2 error expectation(s)"
    )


def test_misuse_is_a_keyword_error_not_an_assertion(lib: EtlqLibrary) -> None:
    with pytest.raises(KeywordError) as exc:
        lib.check_should_pass("shop.orders::unique[order]")
    assert str(exc.value) == (
        "no check shop.orders::unique[order] in the contract of shop.orders; "
        "did you mean shop.orders::unique[order_id]?"
    )
    with pytest.raises(KeywordError) as exc:
        lib.table_should_match_contract("shop.order")
    assert str(exc.value).endswith("; did you mean shop.orders?")
    with pytest.raises(
        KeywordError, match="^Run ETL For Date needs a local warehouse: use Set Up Local Warehouse first$"
    ):
        lib.run_etl_for_date()
    with pytest.raises(
        KeywordError, match="^Scenario Should Pass needs a local warehouse: use Set Up Local Warehouse first$"
    ):
        lib.scenario_should_pass("orders_across_days")
    with pytest.raises(KeywordError, match="^unknown oracle 'speed': use one of runs, nothing_lost"):
        lib.scenario_should_pass("orders_across_days", oracle="speed")


def test_not_connected(tmp_path: Path) -> None:
    library = EtlqLibrary(contracts=str(write_contract(tmp_path / "c")))
    with pytest.raises(KeywordError) as exc:
        library.get_row_count("shop.orders")
    assert str(exc.value) == (
        "not connected to a warehouse: use Connect To Warehouse or Set Up Local Warehouse first"
    )


@pytest.fixture
def staging_lib(fresh_database_url: str, tmp_path: Path) -> Iterator[EtlqLibrary]:
    (tmp_path / "c" / "staging").mkdir(parents=True)
    (tmp_path / "c" / "staging" / "orders.yml").write_text(RAW_CONTRACT)
    library = EtlqLibrary(contracts=str(tmp_path / "c"))
    yield library
    library.disconnect_from_warehouse()


def test_raw_records_with_no_raw_file_fail(
    staging_lib: EtlqLibrary, fresh_database_url: str, raw_bucket: str
) -> None:
    # Regression: no file to count meant "0 raw records" and a confusing -N unaccounted, and the
    # bucket in ETLQ_RAW_BUCKET (set by the raw_bucket fixture) was ignored by Connect To Warehouse.
    staging_lib.connect_to_warehouse(fresh_database_url, run_date="2024-03-01")
    assert _fails(staging_lib.raw_records_should_reconcile, "staging.orders") == (
        f"orders on 2024-03-01: no raw files in s3://{raw_bucket}/raw/orders/run_date=2024-03-01/"
    )


def test_raw_records_in_a_missing_bucket_is_a_keyword_error(
    staging_lib: EtlqLibrary, fresh_database_url: str, moto_endpoint: str
) -> None:
    staging_lib.connect_to_warehouse(
        fresh_database_url, run_date="2024-03-01", raw_bucket="no-such-bucket", aws_endpoint=moto_endpoint
    )
    with pytest.raises(KeywordError) as exc:
        staging_lib.raw_records_should_reconcile("staging.orders")
    assert str(exc.value).startswith(
        "cannot count the raw files in s3://no-such-bucket/raw/orders/run_date=2024-03-01/: NoSuchBucket: "
    )


def test_etl_keywords_on_a_warehouse_without_the_audit_trail(lib: EtlqLibrary) -> None:
    assert lib.warehouse_is_loaded_by_etl() is False
    not_loaded = r"^no run records of pipeline 'etl': this warehouse is not loaded by it"
    with pytest.raises(KeywordError, match=not_loaded):
        lib.etl_job_should_have_succeeded("ingest")


def test_contract_tables_having(lib: EtlqLibrary) -> None:
    assert lib.get_contract_tables(having="raw") == []
    assert lib.get_contract_tables(having="reconcile") == []
    with pytest.raises(KeywordError, match=r"^having='keys' is not one of raw, reconcile$"):
        lib.get_contract_tables(having="keys")
