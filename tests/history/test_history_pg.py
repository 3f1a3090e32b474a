"""The PostgreSQL history store: a schema of its own in a database of its own, created once,
append-only; and ``etlq check`` against a read-only checked database recording into it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from test_anomaly_check import RUN_DATE, run_check, seed_history
from test_history_store import RECORDS

from etlq import history
from etlq.errors import EtlqError
from etlq.history_pg import PgStore
from fixtures.database import query


@pytest.fixture
def store_url(pg_server: Any) -> Iterator[str]:
    """A database of its own for the history (not the checked one)."""
    name = f"etlq_hist_{uuid.uuid4().hex[:8]}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


def tables_in(url: str, schema: str) -> list[str]:
    rows = query(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
    return sorted(r[0] for r in rows)


def test_round_trip_schema_created_once_and_append_only(store_url: str) -> None:
    store = history.open_store(store_url)
    assert isinstance(store, PgStore) and store.schema == "etlq_history"
    assert (
        list(store.records()) == [] and tables_in(store_url, "etlq_history") == []
    )  # reading creates nothing
    assert store.append(RECORDS) == 4
    assert (
        history.open_store(store_url).append(
            [{"table": "shop.orders", "run_date": "2026-12-01", "metric": "row_count", "value": 130}]
        )
        == 1
    )  # a second store on the same schema: the table exists, no DDL, no error
    assert tables_in(store_url, "etlq_history") == ["metrics"]
    assert history.series(store, "shop.orders", "row_count") == [("2026-11-30", 100.0), ("2026-12-01", 130.0)]
    assert history.series(store, "shop.orders", "null_rate", "email") == [("2026-12-01", 0.25)]
    # append-only: the rerun of 2026-12-01 is a new row, the old one is still there
    assert query(store_url, "SELECT count(*) FROM etlq_history.metrics")[0][0] == 5
    first = next(store.records())
    assert first["run_date"] == "2026-11-30" and first["recorded_at"].endswith("+00:00")


def test_schema_parameter_and_extra_keys_round_trip(store_url: str) -> None:
    url = f"{store_url}?schema=qa_metrics"
    store = history.open_store(url)
    assert store == PgStore(make_url(store_url).set(drivername="postgresql+psycopg2"), "qa_metrics")
    record = {"table": "t.x", "run_date": "2026-12-01", "metric": "check_failing", "value": 2}
    store.append([record | {"check": "t.x::unique[id]", "outcome": "failed", "job": "nightly"}])
    assert tables_in(store_url, "qa_metrics") == ["metrics"] and tables_in(store_url, "etlq_history") == []
    (got,) = store.records()
    assert {k: got[k] for k in ("check", "outcome", "job", "value")} == {
        "check": "t.x::unique[id]",
        "outcome": "failed",
        "job": "nightly",
        "value": 2.0,
    }


def test_bad_schema_is_refused(store_url: str) -> None:
    with pytest.raises(EtlqError, match="schema 'x; drop' is not a plain lower-case identifier"):
        history.open_store(f"{store_url}?schema=x; drop")


def test_unreachable_store_is_one_line_without_the_password(etlq: Any) -> None:
    url = "postgresql://writer:s3cr3t-pw@127.0.0.1:1/metrics"
    code, out, err = etlq("history", "show", "--history", url, "--table", "shop.orders")
    assert code == 2 and out == "" and err.count("\n") == 1, err
    assert "history store postgresql+psycopg2://writer:***@127.0.0.1:1/metrics" in err
    assert "s3cr3t" not in err


@pytest.fixture
def read_only_events(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """shop.events (100 rows) in a database that is read-only by default, and a SELECT-only role."""
    from test_anomaly_check import CONTRACT

    query(
        fresh_database_url,
        "CREATE SCHEMA shop;"
        " CREATE TABLE shop.events (id bigint NOT NULL, email text, loaded_at timestamptz);"
        " INSERT INTO shop.events SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'a@x' END,"
        " now() - interval '2 hours' FROM generate_series(1, 100) g",
    )
    role, dbname = f"qa_ro_{uuid.uuid4().hex[:8]}", make_url(fresh_database_url).database
    query(
        fresh_database_url,
        f"CREATE ROLE {role} LOGIN PASSWORD 'ro-pw'; GRANT USAGE ON SCHEMA shop TO {role};"
        f" GRANT SELECT ON ALL TABLES IN SCHEMA shop TO {role};"
        f" ALTER DATABASE {dbname} SET default_transaction_read_only = on",
    )
    contracts = tmp_path / "contracts"
    (contracts / "shop").mkdir(parents=True)
    (contracts / "shop" / "events.yml").write_text(CONTRACT)
    yield (
        make_url(fresh_database_url)
        .set(username=role, password="ro-pw")
        .render_as_string(hide_password=False),
        contracts,
    )
    query(
        fresh_database_url,
        f"SET TRANSACTION READ WRITE; ALTER DATABASE {dbname} RESET default_transaction_read_only;"
        f" DROP OWNED BY {role}; DROP ROLE {role}",
    )


def test_read_only_checked_database_records_into_its_own_store(
    read_only_events: tuple[str, Path], store_url: str, etlq: Any
) -> None:
    reader_url, contracts = read_only_events
    seed_history(store_url, 28)
    code, checks = run_check(etlq, reader_url, contracts, store_url)
    volume = checks["shop.events::anomaly[volume]"]
    assert (code, volume["outcome"]) == (1, "failed"), volume
    assert "28 comparable of 28 days of history" in volume["message"]
    assert checks["shop.events::anomaly[null_rate:email]"]["outcome"] == "passed"
    assert checks["shop.events::anomaly[freshness]"]["outcome"] == "passed"
    store = history.open_store(store_url)
    assert history.series(store, "shop.events", "row_count")[-1] == (RUN_DATE, 100.0)
    outcomes = {
        r["check"]: r["outcome"] for r in store.records() if "check" in r and r["run_date"] == RUN_DATE
    }
    assert outcomes["shop.events::anomaly[volume]"] == "failed"
    # the checked database got nothing: no history schema, and it still refuses writes
    checked = make_url(reader_url).set(username=make_url(store_url).username, password=None)
    checked_url = checked.render_as_string(hide_password=False)
    assert tables_in(checked_url, "etlq_history") == []
    assert query(checked_url, "SHOW default_transaction_read_only") == [("on",)]
    code, out, _ = etlq(
        "history", "show", "--history", store_url, "--table", "shop.events", "--format", "json"
    )
    shown = {(s["metric"], s["column"]): len(s["points"]) for s in json.loads(out)["series"]}
    assert code == 0 and shown[("row_count", None)] == 29 and shown[("null_fraction", "email")] == 29


def test_etlq_history_names_a_pg_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ETLQ_HISTORY", f"{store_url}?schema=from_env")
    store = history.open_store()
    assert isinstance(store, PgStore) and store.schema == "from_env"
    assert "password" not in repr(history.open_store("postgresql://u:password@h/db"))


def test_a_writer_with_only_insert_and_select_can_record(store_url: str) -> None:
    """Once the table exists no DDL runs: the documented grants are enough (and needed)."""
    history.open_store(store_url).append(RECORDS[:1])
    role = f"qa_hw_{uuid.uuid4().hex[:8]}"
    query(store_url, f"CREATE ROLE {role} LOGIN PASSWORD 'hw-pw'")
    writer = make_url(store_url).set(username=role, password="hw-pw").render_as_string(hide_password=False)
    try:
        with pytest.raises(EtlqError, match="cannot record metrics: permission denied") as refused:
            history.open_store(writer).append(RECORDS[1:2])
        assert "hw-pw" not in str(refused.value)
        query(
            store_url,
            f"GRANT USAGE ON SCHEMA etlq_history TO {role};"
            f" GRANT SELECT, INSERT ON etlq_history.metrics TO {role};"
            f" GRANT USAGE ON SEQUENCE etlq_history.metrics_id_seq TO {role}",
        )
        assert history.open_store(writer).append(RECORDS[1:2]) == 1
        assert len(list(history.open_store(writer).records())) == 2
    finally:
        query(store_url, f"DROP OWNED BY {role}; DROP ROLE {role}")
