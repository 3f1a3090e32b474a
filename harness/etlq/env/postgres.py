"""Start and stop a real PostgreSQL server with initdb / pg_ctl (never as root).

A server lives in a *runtime dir*: ``data/`` (the cluster), ``postgres.log`` and the unix socket.
When we are root the runtime dir sits in the temp dir, owned by ``nobody``, and every server
command runs as ``nobody``; we never chmod or chown a directory we did not create.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from etlq.env import databases
from etlq.env.install import PgInstall, as_user_kwargs, find_install, runnable_install, server_uid
from etlq.errors import ConnectionFailed, EtlqError

SUPERUSER = "postgres"
HOST = "127.0.0.1"
# Test and dev settings: durability is not needed, start and DDL speed is.
_SETTINGS = {
    "listen_addresses": f"'{HOST}'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}
_UNIX_SOCKET_MAX = 100  # sun_path is 108 bytes; keep room for "/.s.PGSQL.NNNNN"
_OWNER_FILE = "owner.pid"


@dataclass(frozen=True)
class PostgresServer:
    """A cluster at ``data_dir``, served on ``HOST:port``; ``uid`` is who runs it (None: us)."""

    bin_dir: Path
    data_dir: Path
    port: int
    uid: int | None = None

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "postgres.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@{HOST}:{self.port}/{dbname}"

    def is_running(self) -> bool:
        return port_open(self.port)

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (dropping an old one), empty or a copy of ``template``; its URL."""
        return databases.create_database(self.url(), name, template)

    def drop_database(self, name: str) -> None:
        databases.drop_database(self.url(), name)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are cut); a no-op when it is down."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        try:
            _run(self, [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w"])
        except EtlqError:
            if self.is_running():
                raise  # a stale postmaster.pid (server killed) is not an error


# --- starting a server --------------------------------------------------------------------


def port_open(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def runtime_dir_for(key: str) -> Path:
    """A stable runtime dir for ``key`` (say, a project folder) the server user can reach:
    ``<tmp>/etlq-<uid>-<hash>``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"etlq-{os.geteuid()}-{digest}"


def new_runtime_dir() -> Path:
    """A fresh, unique runtime dir for a throwaway server (e.g. one per test worker), marked
    with our pid so ``reap_orphans`` can tell when its owner died."""
    path = Path(tempfile.mkdtemp(prefix=f"etlq-{os.geteuid()}-pg-"))
    (path / _OWNER_FILE).write_text(str(os.getpid()))
    return path


def _alive(pid: int) -> bool:
    """True for a running process (a zombie, exited but not yet reaped, counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def reap_orphans() -> list[Path]:
    """Stop and delete throwaway servers whose owner died without stopping them (a killed
    pytest run); returns the runtime dirs removed."""
    reaped = []
    for runtime_dir in Path(tempfile.gettempdir()).glob(f"etlq-{os.geteuid()}-pg-*"):
        try:
            owner = int((runtime_dir / _OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            postmaster = int((runtime_dir / "data" / "postmaster.pid").read_text().split()[0])
            cmdline = Path(f"/proc/{postmaster}/cmdline").read_bytes()
            if b"postgres" in cmdline and str(runtime_dir).encode() in cmdline:
                os.kill(postmaster, signal.SIGINT)  # "fast" shutdown, as pg_ctl stop -m fast
                deadline = time.monotonic() + 10
                while _alive(postmaster) and time.monotonic() < deadline:
                    time.sleep(0.05)
        shutil.rmtree(runtime_dir, ignore_errors=True)
        reaped.append(runtime_dir)
    return reaped


def _is_runtime_dir(path: Path) -> bool:
    return path.parent == Path(tempfile.gettempdir()) and path.name.startswith(f"etlq-{os.geteuid()}-")


def _prepare_runtime_dir(runtime_dir: Path, uid: int | None) -> None:
    if uid is None:
        runtime_dir.mkdir(parents=True, exist_ok=True)
        return
    if not _is_runtime_dir(runtime_dir):
        raise EtlqError(
            f"as root, the server's data dir must be in a runtime dir, not in {runtime_dir}",
            "use etlq.env.postgres.runtime_dir_for(key) / 'data'",
        )
    runtime_dir.mkdir(exist_ok=True)
    st = runtime_dir.lstat()
    if runtime_dir.is_symlink() or st.st_uid not in (0, uid):
        raise EtlqError(
            f"runtime dir {runtime_dir} is not ours (owner uid {st.st_uid})",
            f"remove {runtime_dir} and retry",
        )
    # Made by us for the server: its user must own it to write the cluster, log and socket.
    os.chown(runtime_dir, uid, -1)
    runtime_dir.chmod(0o700)


def _run(server: PostgresServer, argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PGTZ": "UTC"}
    if server.uid is not None:
        env["HOME"] = str(server.data_dir.parent)
    try:
        result = subprocess.run(
            argv,
            cwd=server.data_dir.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            **as_user_kwargs(server.uid),
        )
    except subprocess.TimeoutExpired:
        raise EtlqError(
            f"{Path(argv[0]).name} timed out after {timeout:.0f}s{_log_tail(server)}",
            f"look at {server.log_file}",
        ) from None
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise EtlqError(
            f"{Path(argv[0]).name} {argv[1] if len(argv) > 1 else ''} failed for {server.data_dir}: "
            f"{' | '.join(output)}{_log_tail(server)}",
            f"look at {server.log_file}",
            f"remove {server.data_dir.parent} to start from scratch",
        )
    return result


def _log_tail(server: PostgresServer, lines: int = 8) -> str:
    try:
        tail = server.log_file.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return f"; server log: {' | '.join(tail)}" if tail else ""


def _init_cluster(server: PostgresServer) -> None:
    _run(
        server,
        [
            str(server.bin_dir / "initdb"),
            "-D",
            str(server.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ],
    )
    settings = dict(_SETTINGS)
    socket_dir = str(server.data_dir.parent)
    settings["unix_socket_directories"] = f"'{socket_dir}'" if len(socket_dir) < _UNIX_SOCKET_MAX else "''"
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n# etlq: local test server\n")
        conf.writelines(f"{key} = {value}\n" for key, value in settings.items())


def _pg_ctl_start(server: PostgresServer) -> None:
    _run(
        server,
        [
            str(server.bin_dir / "pg_ctl"),
            "start",
            "-D",
            str(server.data_dir),
            "-l",
            str(server.log_file),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {server.port}",
        ],
    )


def start_server(
    data_dir: Path | None = None, *, port: int | None = None, install: PgInstall | None = None
) -> PostgresServer:
    """Start a server on the cluster ``data_dir`` (default: ``data`` in a fresh runtime dir),
    creating the cluster on first use; ``port`` defaults to a free one. Returns once it accepts
    connections. As root, ``data_dir`` must be in a runtime dir (``runtime_dir_for``)."""
    uid = server_uid()
    install = runnable_install(install or find_install(), uid)
    data_dir = data_dir or new_runtime_dir() / "data"
    _prepare_runtime_dir(data_dir.parent, uid)
    attempts = 1 if port else 3  # a free port can be taken by another worker before we bind it
    for attempt in range(attempts):
        server = PostgresServer(install.bin_dir, data_dir, port or free_port(), uid)
        if not (data_dir / "PG_VERSION").exists():
            _init_cluster(server)
        try:
            _pg_ctl_start(server)
            break
        except EtlqError:
            if attempt == attempts - 1 or "already in use" not in _log_tail(server, 20):
                raise
    _wait_ready(server)
    return server


def _wait_ready(server: PostgresServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with contextlib.closing(databases.connect(server.url())):
                return
        except ConnectionFailed:
            if time.monotonic() > deadline:
                raise EtlqError(
                    f"PostgreSQL on port {server.port} did not accept connections in "
                    f"{timeout:.0f}s{_log_tail(server)}",
                    f"look at {server.log_file}",
                ) from None
            time.sleep(0.05)


def remove_runtime_dir(runtime_dir: Path) -> None:
    """Delete a stopped server's runtime dir (only dirs made by ``new_runtime_dir``/``runtime_dir_for``)."""
    if _is_runtime_dir(runtime_dir):
        shutil.rmtree(runtime_dir, ignore_errors=True)
