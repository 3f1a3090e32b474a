"""Helpers that turn a YAML position into a ``file:line:`` ContractError."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from etlq.contracts.model import SEVERITIES, Severity
from etlq.contracts.yamlnodes import YMap
from etlq.errors import ContractError, contract_problems

T = TypeVar("T")
_AT_LINE = re.compile(r"^.*?:(\d+):")


class Source:
    """Where we are (file path) plus the helpers that turn positions into messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        self.problems: list[ContractError] = []

    def fail(self, line: int, message: str) -> ContractError:
        return ContractError(f"{self.where}:{line}: {message}")

    def attempt(self, parse: Callable[..., T], *args: Any) -> T | None:
        """``parse(*args)``; on a mistake, None with the mistake kept, so that one pass over a
        file finds every independent mistake (a column, a check, a section each) at once."""
        try:
            return parse(*args)
        except ContractError as exc:
            self.problems.append(exc)
            return None

    def raise_problems(self) -> None:
        """Raise what ``attempt`` kept: the one mistake, or ``ContractProblems`` listing all."""
        error = contract_problems(sorted(self.problems, key=lambda p: _line_of(p.what)))
        if error is not None:
            raise error

    def known_keys(self, mapping: YMap, allowed: Iterable[str], context: str) -> None:
        allowed = tuple(allowed)
        for key in mapping:
            if key in allowed or (context == "at top level" and key.startswith("x-")):
                continue
            hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else f" (allowed: {', '.join(allowed)})"
            raise self.fail(mapping.key_lines[key], f"unknown key {key!r} {context}{suffix}")

    def typed(self, mapping: YMap, key: str, kinds: tuple[type, ...], what: str, context: str) -> Any:
        value = mapping[key]
        # bool is an int in Python; a YAML `true` is never a number here
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.fail(
                mapping.key_lines[key],
                f"{key!r} {context} must be {what}, got {describe(value)}",
            )
        return value

    def name_list(self, mapping: YMap, key: str, context: str) -> tuple[str, ...]:
        value = self.typed(mapping, key, (list,), "a list of column names", context)
        return self.names_in(value, mapping.key_lines[key], f"{key!r} {context}")

    def names_in(self, value: Any, line: int, what: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise self.fail(line, f"{what} must be a non-empty list of column names, got {describe(value)}")
        return tuple(value)


def _line_of(message: str) -> int:
    """The line a ``file:line: ...`` message is about (0 when it names none)."""
    found = _AT_LINE.match(message)
    return int(found.group(1)) if found else 0


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def unwrap(
    f: Source, mapping: YMap, key: str, value_key: str, default: Severity, context: str
) -> tuple[Any, Severity, int]:
    """A constraint is either a bare value or ``{value|values: ..., severity: ...}``."""
    value, line = mapping[key], mapping.key_lines[key]
    if isinstance(value, YMap):
        f.known_keys(value, (value_key, "severity"), f"in {key!r} {context}")
        if value_key not in value:
            raise f.fail(value.line, f"{key!r} {context} needs {value_key!r} when written as a mapping")
        return value[value_key], severity_of(f, value, default, f"in {key!r} {context}"), line
    return value, default, line


def severity_of(f: Source, mapping: YMap, default: Severity, context: str) -> Severity:
    if "severity" not in mapping:
        return default
    value = mapping["severity"]
    if value not in SEVERITIES:
        raise f.fail(
            mapping.key_lines["severity"],
            f"'severity' {context} must be one of error, warn, got {describe(value)}",
        )
    return value  # type: ignore[no-any-return]


def close_match(name: str, names: Iterable[str]) -> str:
    hint = difflib.get_close_matches(name, list(names), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""
