"""`make test`'s part of the Airflow example: the DAG compiles and the commands its gate task runs
exist. Parsing it with Airflow itself is `tox -e airflow` (Airflow stays out of the project venv)."""

from __future__ import annotations

import ast
import py_compile
from pathlib import Path

from delivery_support import ROOT, calls, problems

DAG = ROOT / "examples" / "airflow" / "etlq_glue_gate.py"


def bash_commands(path: Path = DAG) -> list[str]:
    """Every ``bash_command=`` of the DAG, with the module's string constants filled in."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants: dict[str, str] = {}
    allowed = (ast.Constant, ast.BinOp, ast.Name, ast.operator, ast.expr_context)
    for node in tree.body:  # RAW_BUCKET = "...", GATE = ("cd " + CHECKOUT + ...): strings only
        if not (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)):
            continue
        names = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        if names <= set(constants) and all(isinstance(n, allowed) for n in ast.walk(node.value)):
            expression = compile(ast.Expression(node.value), str(path), "eval")
            constants[node.targets[0].id] = eval(expression, {}, dict(constants))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "bash_command":
            value = node.value
            found.append(constants[value.id] if isinstance(value, ast.Name) else ast.literal_eval(value))
    return found


def test_the_dag_compiles() -> None:
    py_compile.compile(str(DAG), doraise=True)


def test_the_gate_runs_etlq_check_with_publish_and_the_smoke_suite() -> None:
    commands = bash_commands()
    assert len(commands) == 1
    assert calls(commands[0]) == ["etlq check"]
    assert " --publish " in commands[0] and "pytest suites -m smoke" in commands[0]
    assert problems(commands[0], DAG.name) == []
