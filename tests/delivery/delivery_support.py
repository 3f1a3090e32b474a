"""Find the `make` and `etlq` commands a piece of shell text calls, and say which do not exist.

Used on the workflow files' ``run:`` steps and the Airflow example's ``bash_command`` strings:
a renamed make target or etlq option breaks the pipeline only when it runs, so a test catches it.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

from etlq.cli import build_parser
from etlq.errors import EtlqError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = re.compile(r"\$?\{\{.*?\}\}")  # GitHub `${{ expr }}`, Jinja `{{ ds }}`: a value
MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", re.MULTILINE)


def commands(script: str) -> Iterator[list[str]]:
    """Each simple command of a shell script as argv (split at ``&&``, ``||``, ``;``, ``|``, redirects)."""
    text = TEMPLATE.sub("X", script.replace("\\\n", " "))
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        argv: list[str] = []
        for token in lexer:
            if token and set(token) <= set("();<>|&"):
                if argv:
                    yield argv
                argv = []
            else:
                argv.append(token)
        if argv:
            yield argv


def make_targets(makefile: Path = ROOT / "Makefile") -> set[str]:
    return set(MAKE_TARGET.findall(makefile.read_text(encoding="utf-8")))


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _etlq_problem(argv: list[str]) -> str | None:
    parser = build_parser()
    if "--help" in argv or "-h" in argv:  # only the command path must exist
        current = parser
        for word in (a for a in argv if not a.startswith("-")):
            children = _subcommands(current)
            if not children:
                break
            if word not in children:
                return f"no such command {word!r} (has {', '.join(sorted(children))})"
            current = children[word]
        return None
    try:
        parser.parse_args(argv)
    except EtlqError as exc:  # argparse's complaint
        return str(exc)
    return None


def problems(script: str, where: str) -> list[str]:
    """One line per `make` target or `etlq` invocation in ``script`` that does not exist/parse."""
    found: list[str] = []
    targets = make_targets()
    for argv in commands(script):
        # `.venv/bin/etlq check ...`, `env -u X make robot`, `if etlq ...`: find the program word
        for index, word in enumerate(argv):
            name = word.rsplit("/", 1)[-1]
            rest = argv[index + 1 :]
            if name == "etlq":
                problem = _etlq_problem(rest)
                if problem:
                    found.append(f"{where}: etlq {' '.join(rest)}: {problem}")
                break
            if name == "make":
                for target in (w for w in rest if not w.startswith("-") and "=" not in w):
                    if target not in targets:
                        found.append(f"{where}: make {target}: no such target in the Makefile")
                break
    return found


def calls(script: str) -> list[str]:
    """The `make`/`etlq` invocations ``script`` makes, e.g. ``['make smoke', 'etlq check']``."""
    seen: list[str] = []
    for argv in commands(script):
        for index, word in enumerate(argv):
            name = word.rsplit("/", 1)[-1]
            if name in ("etlq", "make"):
                words = [w for w in argv[index + 1 :] if not w.startswith("-") and "=" not in w]
                seen.append(" ".join([name, *words[:1]]))
                break
    return seen
