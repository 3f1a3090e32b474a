"""`etlq env up / down / status` through the CLI, and URL resolution precedence."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from etlq import aws
from etlq import cli as etlq_cli
from etlq.env import moto, postgres, state
from etlq.errors import EtlqError

ENV_VARS = ("ETLQ_DATABASE_URL", "ETLQ_AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL", "ETLQ_RAW_BUCKET")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project dir as the current dir; whatever `env up` left running is stopped after."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # Only our sub-command: the test does not depend on the other commands' modules.
    monkeypatch.setattr(etlq_cli, "COMMANDS", ("env",))
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    state.down(tmp_path)
    postgres.remove_runtime_dir(postgres.runtime_dir_for(str(tmp_path.resolve())))


def etlq(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = etlq_cli.main(list(argv))
    return code, capsys.readouterr().out


def test_up_status_down_round_trip(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert etlq(capsys, "env", "status") == (1, "environment is not up (run `etlq env up`)\n")

    code, out = etlq(capsys, "env", "up", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert (report["already_up"], report["postgres"]["running"], report["aws"]["running"]) == (
        False,
        True,
        True,
    )
    url, endpoint = report["postgres"]["url"], report["aws"]["endpoint"]
    assert url.startswith("postgresql+psycopg2://postgres@127.0.0.1:") and url.endswith("/etlq")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT current_database()")).scalar_one() == "etlq"
    engine.dispose()
    port = int(sa.make_url(url).port or 0)
    secret = json.loads(
        aws.client("secretsmanager", endpoint).get_secret_value(SecretId="etlq/db")["SecretString"]
    )
    assert secret == {
        "engine": "postgres",
        "host": "127.0.0.1",
        "port": port,
        "username": "postgres",
        "password": "postgres",
        "dbname": "etlq",
    }
    assert (
        aws.client("s3", endpoint).head_bucket(Bucket="etlq-raw")["ResponseMetadata"]["HTTPStatusCode"] == 200
    )
    topics = [t["TopicArn"] for t in aws.client("sns", endpoint).list_topics()["Topics"]]
    assert topics == [report["aws"]["alerts_topic_arn"]]
    assert json.loads((project / ".etlq" / "env.json").read_text())["database_url"] == url

    code, out = etlq(capsys, "env", "up")
    assert code == 0
    assert out.splitlines()[0] == "environment already up"
    assert f"postgres  running  {url}  (data " in out
    assert f"aws       running  {endpoint}  (bucket etlq-raw, secret etlq/db, topic " in out

    (project / "sub").mkdir()
    os.chdir(project / "sub")  # resolution finds the state in a parent dir
    assert (state.resolve_database_url(None), state.resolve_aws_endpoint(None)) == (url, endpoint)
    assert etlq(capsys, "env", "status")[0] == 0
    assert etlq(capsys, "env", "up")[1].splitlines()[0] == "environment already up"  # not a second one
    assert not (project / "sub" / ".etlq").exists()
    os.chdir(project)

    # A part that stopped is restarted; the running server is kept.
    moto.stop(report["aws"]["pid"])
    assert etlq(capsys, "env", "status")[0] == 1
    code, out = etlq(capsys, "env", "up", "--format", "json")
    restarted = json.loads(out)
    assert (code, restarted["already_up"], restarted["postgres"]["url"]) == (0, False, url)
    assert restarted["aws"]["pid"] != report["aws"]["pid"] and moto.healthy(restarted["aws"]["endpoint"])

    assert etlq(capsys, "env", "down") == (0, "environment stopped\n")
    assert not postgres.port_open(port)
    assert not moto.is_moto(restarted["aws"]["pid"])
    assert not (project / ".etlq" / "env.json").exists()
    assert etlq(capsys, "env", "status") == (1, "environment is not up (run `etlq env up`)\n")
    assert etlq(capsys, "env", "down") == (0, "environment was not up (nothing to stop)\n")


def test_up_uses_given_servers_and_down_leaves_them_running(
    project: Path, monkeypatch: pytest.MonkeyPatch, pg_server: postgres.PostgresServer, moto_server: str
) -> None:
    given_url = pg_server.create_database("etlq_env_given")
    monkeypatch.setenv("ETLQ_DATABASE_URL", given_url)
    monkeypatch.setenv("ETLQ_AWS_ENDPOINT_URL", moto_server)

    up, _ = state.up(project)
    state.down(project)

    assert (up["database_url"], up["aws_endpoint"]) == (given_url, moto_server)
    assert (up["postgres"], up["moto"]) == ({"started": False}, {"started": False})
    assert moto.healthy(moto_server)
    engine = sa.create_engine(given_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    engine.dispose()
    pg_server.drop_database("etlq_env_given")


def _write_state(folder: Path, url: str, endpoint: str | None) -> None:
    (folder / ".etlq").mkdir()
    written = {"database_url": url, "aws_endpoint": endpoint, "postgres": {"started": False},
               "moto": {"started": False}, "aws": {}}  # fmt: skip
    (folder / ".etlq" / "env.json").write_text(json.dumps(written))


def test_database_url_precedence(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        EtlqError, match=r"^no database given and no local environment in .* \(fix: run `etlq env up`"
    ):
        state.resolve_database_url(None)
    _write_state(project, "postgresql://from-state/db", None)
    assert state.resolve_database_url(None) == "postgresql://from-state/db"
    monkeypatch.setenv("ETLQ_DATABASE_URL", "postgresql://from-env/db")
    assert state.resolve_database_url(None) == "postgresql://from-env/db"
    assert state.resolve_database_url("postgresql://explicit/db") == "postgresql://explicit/db"


def test_aws_endpoint_precedence(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert state.resolve_aws_endpoint(None) is None  # real AWS
    _write_state(project, "postgresql://from-state/db", "http://from-state:1")
    assert state.resolve_aws_endpoint(None) == "http://from-state:1"
    monkeypatch.setenv("ETLQ_AWS_ENDPOINT_URL", "http://from-env:2")
    assert state.resolve_aws_endpoint(None) == "http://from-env:2"
    assert state.resolve_aws_endpoint("http://explicit:3") == "http://explicit:3"


def test_a_broken_state_file_is_a_user_error(project: Path) -> None:
    (project / ".etlq").mkdir()
    (project / ".etlq" / "env.json").write_text("{not json")
    with pytest.raises(
        EtlqError, match=r"env.json: unreadable environment state .*remove .* and run `etlq env up`"
    ):
        state.resolve_database_url(None)
    (project / ".etlq" / "env.json").write_text('{"database_url": "postgresql://x/y"}')
    with pytest.raises(EtlqError, match=r"env.json: not an etlq environment state \(fix: remove "):
        state.resolve_database_url(None)
    (project / ".etlq" / "env.json").unlink()


def test_data_lives_in_the_project_unless_root(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "server_uid", lambda: None)
    assert state._data_dir(project) == project / ".etlq" / "pgdata"
    monkeypatch.setattr(state, "server_uid", lambda: 65534)
    runtime_dir = state._data_dir(project).parent
    assert runtime_dir == postgres.runtime_dir_for(str(project.resolve()))
    assert runtime_dir.parent == Path(tempfile.gettempdir())
    assert runtime_dir.name.startswith(f"etlq-{os.geteuid()}-")


@pytest.mark.skipif(os.geteuid() != 0, reason="the runtime-dir rule is for root")
def test_root_never_hands_a_user_folder_to_the_server(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(EtlqError, match=r"^as root, the server's data dir must be in a runtime dir, not in "):
        postgres.start_server(mine / "data")
    assert (mine.stat().st_uid, list(mine.iterdir())) == (0, [])


def test_moto_that_cannot_bind_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            EtlqError, match=rf"^moto server did not start on http://127.0.0.1:{port}: .*(in use|Errno)"
        ):
            moto.start(port, tmp_path / "moto.log", timeout=20)


def test_demo_services_run_beside_env_up_and_leave_it_running(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`etlq demo` (local_services) starts its own servers: the env-up ones are not used or stopped."""
    from etlq.local import local_services

    code, out = etlq(capsys, "env", "up", "--format", "json")
    assert code == 0
    report = json.loads(out)
    url, endpoint = report["postgres"]["url"], report["aws"]["endpoint"]
    with local_services() as services:
        assert services.aws_endpoint != endpoint
        assert services.pg.port != sa.make_url(url).port
        assert os.environ["ETLQ_AWS_ENDPOINT_URL"] == services.aws_endpoint
    assert "ETLQ_AWS_ENDPOINT_URL" not in os.environ  # the demo's pointing is undone
    assert etlq(capsys, "env", "status")[0] == 0
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    engine.dispose()
    assert moto.healthy(endpoint)
