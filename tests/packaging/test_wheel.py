"""The etlq wheel as a user installs it into a project of their own: only ``etlq`` is installed
(no top-level ``etl`` or ``harness`` to collide with theirs), the CLI and the pytest plugin work,
and the reference ETL is a distribution of its own (etl/pyproject.toml).

The wheel goes into a fresh venv with ``--no-deps``; the dependencies come from this project's
venv through a folder of links that leaves out etlq's and etl's own (editable) installs, so the
installed wheel is the only etlq the venv can see.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = "table: sales.orders\ncolumns:\n  order_id: {type: bigint, nullable: false}\n"
SUITE = "def test_contract(etlq_check):\n    etlq_check.verify()\n"  # docs/suites.md


def _run(*argv: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _top_level(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name.split("/", 1)[0] for name in archive.namelist()}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both wheels, built from a copy of the sources (a checkout's stale build/ never leaks in)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheels")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("harness", "etl"):
        shutil.copytree(
            ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
        )
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ".", "./etl", cwd=source)
    assert built.returncode == 0, built.stderr[-2000:]
    return {w.name.split("-", 1)[0]: w for w in out.glob("*.whl")}


def test_the_etlq_wheel_holds_only_etlq(wheels: dict[str, Path]) -> None:
    assert set(wheels) == {"etlq", "etlq_reference_etl"}
    assert _top_level(wheels["etlq"]) == {"etlq", "etlq-0.1.0.dist-info"}
    assert _top_level(wheels["etlq_reference_etl"]) == {"etl", "etlq_reference_etl-0.1.0.dist-info"}
    with zipfile.ZipFile(wheels["etlq"]) as archive:
        entry_points = archive.read("etlq-0.1.0.dist-info/entry_points.txt").decode()
    assert "etl.etlq_pipeline" not in entry_points  # the reference pipeline registers itself
    with zipfile.ZipFile(wheels["etlq_reference_etl"]) as archive:
        names = archive.namelist()
    assert "etl/sql/silver.sql" in names and "etl/jobs/__init__.py" in names


def test_installed_into_a_project_with_its_own_etl_package(wheels: dict[str, Path], tmp_path: Path) -> None:
    deps = tmp_path / "deps"  # this venv's packages, without etlq's and etl's own installs
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not entry.name.lower().startswith(("etlq", "etl", "__editable__", "_etlq", "_etl")):
            (deps / entry.name).symlink_to(entry)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target_site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
        ).stdout.strip()
    )
    (target_site / "deps.pth").write_text(f"{deps}\n")
    installed = _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        wheels["etlq"],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]

    project = tmp_path / "theirs"
    (project / "etl").mkdir(parents=True)
    (project / "etl" / "__init__.py").write_text("OWNER = 'theirs'\n")
    (project / "contracts" / "sales").mkdir(parents=True)
    (project / "contracts" / "sales" / "orders.yml").write_text(CONTRACT)
    (project / "test_contracts.py").write_text(SUITE)

    theirs = _run(python, "-c", "import etl, etlq; print(etl.OWNER, etlq.__file__)", cwd=project)
    owner, etlq_file = theirs.stdout.split()
    assert (owner, etlq_file.startswith(str(target_site))) == ("theirs", True), theirs.stderr
    version = _run(env_dir / "bin" / "etlq", "--version", cwd=project)
    assert (version.returncode, version.stdout) == (0, "etlq 0.1.0\n"), version.stderr
    valid = _run(env_dir / "bin" / "etlq", "contract", "validate", "--contracts", "contracts", cwd=project)
    assert valid.returncode == 0 and valid.stdout.splitlines()[-1].endswith(": valid"), valid.stderr
    collected = _run(
        python,
        "-m",
        "pytest",
        "--co",
        "-q",
        "-p",
        "no:cacheprovider",
        "--etlq-contracts",
        "contracts",
        cwd=project,
    )
    assert "sales.orders::not_null[order_id]" in collected.stdout, (
        collected.stdout[-2000:] + collected.stderr[-2000:]
    )
