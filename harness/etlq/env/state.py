"""`etlq env up / down / status` and the URLs other commands resolve from what `up` wrote.

``up`` starts what is missing (PostgreSQL unless ``ETLQ_DATABASE_URL`` is set, a moto server
unless ``ETLQ_AWS_ENDPOINT_URL`` is set), provisions the AWS side and writes
``.etlq/env.json`` in the project dir; ``down`` stops only what ``up`` started and removes the
file (the cluster's data stays for the next ``up``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from etlq.env import databases, moto, postgres
from etlq.env.install import server_uid
from etlq.env.provision import provision
from etlq.errors import EtlqError
from etlq.extras import ensure_extra

STATE_DIR = ".etlq"
STATE_FILE = "env.json"
DATABASE = "etlq"
State = dict[str, Any]
_KEYS = {"database_url", "aws_endpoint", "postgres", "moto", "aws"}


def state_file(project_dir: Path) -> Path:
    return project_dir / STATE_DIR / STATE_FILE


def find_state_file(start: Path | None = None) -> Path | None:
    """The ``.etlq/env.json`` of ``start`` (default: the current dir) or of its nearest parent."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if state_file(folder).is_file():
            return state_file(folder)
    return None


def project_dir(start: Path | None = None) -> Path:
    """The folder whose environment commands act on: the nearest one with ``.etlq/env.json``
    (as git finds its repository), else ``start`` (default: the current dir)."""
    found = find_state_file(start)
    return found.parent.parent if found else (start or Path.cwd())


def read_state(path: Path | None) -> State | None:
    if path is None or not path.is_file():
        return None
    try:
        state = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise EtlqError(
            f"{path}: unreadable environment state ({exc})", f"remove {path} and run `etlq env up` again"
        ) from None
    if not isinstance(state, dict) or not state.keys() >= _KEYS:
        raise EtlqError(
            f"{path}: not an etlq environment state", f"remove {path} and run `etlq env up` again"
        )
    return state


def resolve_database_url(explicit: str | None) -> str:
    """``explicit`` (``--url``), else ``ETLQ_DATABASE_URL``, else the URL `etlq env up` wrote."""
    if explicit:
        return explicit
    if os.environ.get("ETLQ_DATABASE_URL"):
        return os.environ["ETLQ_DATABASE_URL"]
    state = read_state(find_state_file())
    if state is None:
        raise EtlqError(
            f"no database given and no local environment in {Path.cwd()} or its parents",
            "run `etlq env up`",
            "pass --url postgresql://user@host:port/db",
            "set ETLQ_DATABASE_URL",
        )
    return str(state["database_url"])


def resolve_aws_endpoint(explicit: str | None) -> str | None:
    """``explicit``, else ``ETLQ_AWS_ENDPOINT_URL``, else `etlq env up`'s moto server; None means real AWS."""
    if explicit:
        return explicit
    if os.environ.get("ETLQ_AWS_ENDPOINT_URL"):
        return os.environ["ETLQ_AWS_ENDPOINT_URL"]
    state = read_state(find_state_file())
    return str(state["aws_endpoint"]) if state and state.get("aws_endpoint") else None


def provisioned_aws() -> dict[str, str]:
    """What `etlq env up` provisioned on the AWS side (raw bucket, DB secret, alerts topic);
    empty when it has not run here or in a parent folder."""
    state = read_state(find_state_file())
    return dict(state["aws"]) if state and state.get("aws") else {}


# --- parts --------------------------------------------------------------------------------


def _data_dir(project_dir: Path) -> Path:
    if server_uid() is None:
        return project_dir / STATE_DIR / "pgdata"
    # As root the server runs as `nobody`, which may not reach the project; see postgres.py.
    return postgres.runtime_dir_for(str(project_dir.resolve())) / "data"


def _server(part: State) -> postgres.PostgresServer:
    return postgres.PostgresServer(
        Path(part["bin_dir"]), Path(part["data_dir"]), int(part["port"]), part["uid"]
    )


def _reachable(url: str) -> bool:
    parts = urlsplit(url.replace("postgresql+psycopg2://", "postgresql://", 1))
    default = 5432 if parts.scheme.startswith("postgres") else (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default), timeout=1):
            return True
    except OSError:
        return False


def _postgres_running(state: State) -> bool:
    part = state["postgres"]
    if part["started"]:
        return (Path(part["data_dir"]) / "postmaster.pid").exists() and postgres.port_open(int(part["port"]))
    return _reachable(state["database_url"])


def _moto_running(state: State) -> bool:
    part = state["moto"]
    if part["started"]:
        return moto.is_moto(int(part["pid"])) and moto.healthy(state["aws_endpoint"])
    return _reachable(state["aws_endpoint"])


def _up_postgres(project_dir: Path, old: State | None) -> tuple[str, State, postgres.PostgresServer | None]:
    external = os.environ.get("ETLQ_DATABASE_URL")
    if external:
        return external, {"started": False}, None
    if old and old["postgres"]["started"] and _postgres_running(old):
        server, started = _server(old["postgres"]), None
    else:
        wanted = old["postgres"].get("port") if old and old["postgres"]["started"] else None
        port = wanted if wanted and not postgres.port_open(wanted) else None
        server = started = postgres.start_server(_data_dir(project_dir), port=port)
    url = databases.ensure_database(server.url(), DATABASE)
    part = {
        "started": True,
        "bin_dir": str(server.bin_dir),
        "data_dir": str(server.data_dir),
        "port": server.port,
        "uid": server.uid,
        "log_file": str(server.log_file),
    }
    return url, part, started


def _up_moto(project_dir: Path, old: State | None) -> tuple[str, State, int | None]:
    external = os.environ.get("ETLQ_AWS_ENDPOINT_URL")
    if external:
        return external, {"started": False}, None
    log_file = project_dir / STATE_DIR / "moto.log"
    if old and old["moto"]["started"] and _moto_running(old):
        return old["aws_endpoint"], old["moto"], None
    port = postgres.free_port()
    pid = moto.start(port, log_file)
    return moto.endpoint(port), {"started": True, "pid": pid, "port": port, "log_file": str(log_file)}, pid


# --- commands -----------------------------------------------------------------------------


def up(project_dir: Path) -> tuple[State, bool]:
    """Bring the environment up; returns the state and whether it was already up."""
    path = state_file(project_dir)
    old = read_state(path)
    if old and _postgres_running(old) and _moto_running(old):
        return old, True
    # the 'local' extra, before anything starts: provisioning talks to the endpoint through boto3
    ensure_extra("boto3", "local", "the local environment")
    if not os.environ.get("ETLQ_AWS_ENDPOINT_URL"):
        ensure_extra("moto.server", "local", "the local moto server")
    started_server: postgres.PostgresServer | None = None
    started_moto: int | None = None
    try:  # nothing half-up: on error stop what this call started, write no state
        database_url, pg_part, started_server = _up_postgres(project_dir, old)
        endpoint, moto_part, started_moto = _up_moto(project_dir, old)
        resources = provision(endpoint, database_url)
    except BaseException:
        if started_moto is not None:
            moto.stop(started_moto)
        if started_server is not None:
            started_server.stop()
        raise
    state: State = {
        "version": 1,
        "project_dir": str(project_dir.resolve()),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database_url": database_url,
        "aws_endpoint": endpoint,
        "postgres": pg_part,
        "moto": moto_part,
        "aws": resources,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(state, indent=2) + "\n")
    scratch.replace(path)
    return state, False


def down(project_dir: Path) -> State | None:
    """Stop what `up` started and remove the state; None when nothing was up."""
    path = state_file(project_dir)
    state = read_state(path)
    if state is None:
        return None
    if state["moto"]["started"]:
        moto.stop(int(state["moto"]["pid"]))
    if state["postgres"]["started"]:
        _server(state["postgres"]).stop()
    path.unlink()
    return state


def status(project_dir: Path) -> State:
    """What runs where: ``{"up", "state_file", "postgres": {...}, "aws": {...}}``."""
    path = find_state_file(project_dir)
    state = read_state(path)
    if state is None:
        return {"up": False, "state_file": None, "postgres": {"running": False}, "aws": {"running": False}}
    pg, aws = state["postgres"], state["moto"]
    return {
        "up": True,
        "state_file": str(path),
        "postgres": {
            "running": _postgres_running(state),
            "url": state["database_url"],
            "started_by_up": pg["started"],
            "data_dir": pg.get("data_dir"),
            "log_file": pg.get("log_file"),
        },
        "aws": {
            "running": _moto_running(state),
            "endpoint": state["aws_endpoint"],
            "started_by_up": aws["started"],
            "pid": aws.get("pid"),
            "log_file": aws.get("log_file"),
            **state["aws"],
        },
    }


def safe_url(url: str) -> str:
    """``url`` with any password masked, for printing."""
    return make_url(url).render_as_string(hide_password=True)
