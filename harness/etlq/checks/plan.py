"""Contracts -> the list of checks, with their stable ids. No database needed: the pytest
plugin parametrizes from this at collection time.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence

from etlq.checks.results import CheckSpec
from etlq.contracts.kinds import KINDS
from etlq.contracts.model import Contract


def check_id(table: str, kind: str, column: str | None = None) -> str:
    return f"{table}::{kind}" if column is None else f"{table}::{kind}[{column}]"


def plan_contract(contract: Contract) -> list[CheckSpec]:
    """Every check one contract declares, in a fixed order, duplicates (same id) dropped.

    The order: what kinds plan before the columns (row count, primary key), then each column's
    checks in ``KINDS`` order, then compound keys and expressions, then freshness and reconcile.
    """
    table = contract.table
    planned = sorted(
        ((entry.position, k, n), kind.name, entry)
        for k, kind in enumerate(KINDS)
        for n, entry in enumerate(kind.plan(contract))
    )
    specs: dict[str, CheckSpec] = {}
    for _, name, entry in planned:
        spec_id = check_id(table, name, entry.target)
        specs.setdefault(spec_id, CheckSpec(spec_id, table, name, entry.target, entry.severity, entry.params))
    return list(specs.values())


def split_globs(select: str) -> list[str]:
    """``a*,b::unique[x,y]`` -> ``['a*', 'b::unique[x,y]']``: commas inside [] belong to ids."""
    globs, depth, current = [], 0, ""
    for char in select:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth <= 0:
            globs.append(current.strip())
            current = ""
        else:
            current += char
    globs.append(current.strip())
    return [g for g in globs if g]


def _literal_brackets(glob: str) -> re.Pattern[str]:
    # ids contain [..]; fnmatch would read them as character classes, so also try them literally
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts) + r"\Z")


def matches(check: str, globs: Sequence[str]) -> bool:
    return any(
        check == g or fnmatch.fnmatchcase(check, g) or _literal_brackets(g).match(check) for g in globs
    )


def plan_checks(contracts: Iterable[Contract], select: str | None = None) -> list[CheckSpec]:
    """All checks of ``contracts`` in contract order; ``select`` keeps ids matching any of its
    comma-separated globs (``gold.*``, ``*::unique[*]``, an exact id)."""
    specs = [spec for contract in contracts for spec in plan_contract(contract)]
    if not select:
        return specs
    globs = split_globs(select)
    return [spec for spec in specs if matches(spec.id, globs)]
