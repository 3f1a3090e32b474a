"""The GitHub workflow files call only `make` targets and `etlq` commands that exist (actionlint,
in `make lint`, checks the rest of their syntax)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from delivery_support import ROOT, calls, commands, problems

WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("ci.yml", "deploy-smoke.yml", "nightly-regression.yml")
# Commands being built elsewhere: a workflow may name them before they exist (none at present).
PENDING: set[str] = set()


def run_steps(path: Path) -> list[tuple[str, str]]:
    """(``file:job:step``, run script) for every ``run:`` step of a workflow."""
    workflow: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = []
    for job_name, job in workflow["jobs"].items():
        for number, step in enumerate(job.get("steps", []), start=1):
            if "run" in step:
                where = f"{path.name}:{job_name}:{step.get('name', f'step {number}')}"
                steps.append((where, step["run"]))
    return steps


def test_the_three_workflows_exist() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_make_target_and_etlq_command_exists(name: str) -> None:
    steps = run_steps(WORKFLOWS / name)
    assert steps, f"{name} has no run: steps"
    found = [line for where, script in steps for line in problems(script, where)]
    missing = PENDING - set(_command_names())
    assert [line for line in found if not any(f": etlq {name} " in line for name in missing)] == []


def test_the_workflows_run_what_the_issue_asks_for() -> None:
    called = {n: [c for _, s in run_steps(WORKFLOWS / n) for c in calls(s)] for n in NAMES}
    assert {"make lint", "make test"} <= set(called["ci.yml"])
    assert {"make smoke", "etlq check", "etlq report"} <= set(called["deploy-smoke.yml"])
    assert {"make regression", "make robot", "etlq mutate", "etlq report"} <= set(
        called["nightly-regression.yml"]
    )


def test_a_wrong_target_or_command_is_caught() -> None:
    script = (
        "make setup tset\n"
        ".venv/bin/etlq chek --url X && etlq check --no-such-option\n"
        "etlq env --help >/dev/null 2>&1 || etlq nope --help\n"
        'echo "etlq mentioned in text is not a call"'
    )
    assert problems(script, "w.yml") == [
        "w.yml: make tset: no such target in the Makefile",
        "w.yml: etlq chek --url X: argument command: invalid choice: 'chek' (choose from "
        + ", ".join(f"'{c}'" for c in _command_names())
        + ") (see `etlq --help`)",
        "w.yml: etlq check --no-such-option: unrecognized arguments: --no-such-option (see `etlq --help`)",
        "w.yml: etlq nope --help: no such command 'nope' (has " + ", ".join(sorted(_command_names())) + ")",
    ]


def test_commands_split_like_the_shell() -> None:
    script = 'a ${{ secrets.X }} "b c" && d | e; f \\\n  g >/dev/null 2>&1 # comment'
    assert list(commands(script)) == [["a", "X", "b c"], ["d"], ["e"], ["f", "g"], ["/dev/null", "2"], ["1"]]


def _command_names() -> list[str]:
    from etlq.cli import COMMANDS

    return list(COMMANDS)
