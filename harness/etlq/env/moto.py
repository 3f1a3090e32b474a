"""A moto server (AWS in server mode) as a detached background process, for `etlq env up`.

The tests use ``fixtures.aws`` instead (a moto server thread inside each pytest worker).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from etlq.errors import EtlqError
from etlq.extras import ensure_extra

HOST = "127.0.0.1"


def endpoint(port: int) -> str:
    return f"http://{HOST}:{port}"


def healthy(url: str, timeout: float = 2) -> bool:
    """True when a moto server answers at ``url``."""
    try:
        with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def start(port: int, log_file: Path, timeout: float = 30) -> int:
    """Start ``python -m moto.server`` on ``HOST:port`` in its own session (it outlives us);
    returns its pid once it answers; ``MissingExtra`` (the ``local`` extra) without moto."""
    ensure_extra("moto.server", "local", "the local moto server")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not healthy(endpoint(port), timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process.pid)
            tail = " | ".join(log_file.read_text(errors="replace").strip().splitlines()[-5:])
            raise EtlqError(
                f"moto server did not start on {endpoint(port)}: {tail or 'no output'}",
                f"look at {log_file}",
                "pip install 'etlq[local]'",
            )
        time.sleep(0.1)
    return process.pid


def is_moto(pid: int) -> bool:
    """True when ``pid`` is a live moto server (not a recycled pid of something else)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return b"moto.server" in cmdline and state != "Z"


def stop(pid: int, timeout: float = 10) -> None:
    """Stop the moto server ``pid`` if it still runs."""
    if not is_moto(pid):
        _reap(pid)
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while is_moto(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    if is_moto(pid):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap(pid: int) -> None:
    # When we started it in this process (tests call the CLI in-process) it is our child.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
