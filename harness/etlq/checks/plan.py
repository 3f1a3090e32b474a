"""Contracts -> the list of checks, with their stable ids. No database needed: the pytest
plugin parametrizes from this at collection time.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from typing import Any

from etlq.checks.results import CheckSpec
from etlq.contracts.model import Contract, Rule, Severity


def check_id(table: str, kind: str, column: str | None = None) -> str:
    return f"{table}::{kind}" if column is None else f"{table}::{kind}[{column}]"


def _strictest(*rules: Rule | None) -> Severity:
    # a range check with min and max of different severities is one check: the stricter wins
    return "error" if any(r is not None and r.severity == "error" for r in rules) else "warn"


def plan_contract(contract: Contract) -> list[CheckSpec]:
    """Every check one contract declares, in a fixed order, duplicates (same id) dropped."""
    table = contract.table
    specs: list[CheckSpec] = []

    def add(kind: str, target: str | None, severity: Severity, **params: Any) -> None:
        spec_id = check_id(table, kind, target)
        if all(s.id != spec_id for s in specs):
            specs.append(CheckSpec(spec_id, table, kind, target, severity, params))

    if contract.row_count is not None:
        add("row_count", None, contract.row_count.severity, **contract.row_count.value)
    if contract.primary_key:
        add("unique", ",".join(contract.primary_key), contract.severity, columns=contract.primary_key)
    for col in contract.columns:
        name = col.name
        if col.not_null is not None:
            add("not_null", name, col.not_null.severity)
        if col.unique is not None:
            add("unique", name, col.unique.severity, columns=(name,))
        if col.accepted is not None:
            add("accepted_values", name, col.accepted.severity, values=tuple(col.accepted.value))
        if col.min is not None or col.max is not None:
            add(
                "range",
                name,
                _strictest(col.min, col.max),
                min=None if col.min is None else col.min.value,
                max=None if col.max is None else col.max.value,
            )
        if col.pattern is not None:
            add("pattern", name, col.pattern.severity, pattern=col.pattern.value)
        if col.references is not None:
            fk = col.references.value
            add(
                "foreign_key",
                name,
                col.references.severity,
                columns=fk.columns,
                ref_table=fk.ref_table,
                ref_columns=fk.ref_columns,
            )
    for rule in contract.unique:
        add("unique", ",".join(rule.value), rule.severity, columns=tuple(rule.value))
    for rule in contract.foreign_keys:
        fk = rule.value
        add(
            "foreign_key",
            ",".join(fk.columns),
            rule.severity,
            columns=fk.columns,
            ref_table=fk.ref_table,
            ref_columns=fk.ref_columns,
        )
    for expr in contract.rules:
        add("expression", expr.name, expr.severity, expression=expr.expression)
    if contract.freshness is not None:
        fresh = contract.freshness.value
        add("freshness", fresh["column"], contract.freshness.severity, **fresh)
    for rec in contract.reconcile:
        common = {
            "name": rec.name,
            "source": rec.source,
            "key": rec.key,
            "measures": rec.measures,
            "source_filter": rec.source_filter,
            "target_filter": rec.target_filter,
        }
        add("reconcile", f"{rec.name}.count", rec.severity, aspect="count", **common)
        for measure in rec.measures:
            add(
                "reconcile",
                f"{rec.name}.sum({measure})",
                rec.severity,
                aspect="sum",
                measure=measure,
                tolerance=rec.tolerance,
                **common,
            )
        add("reconcile", f"{rec.name}.missing_keys", rec.severity, aspect="missing_keys", **common)
        add("reconcile", f"{rec.name}.extra_keys", rec.severity, aspect="extra_keys", **common)
    return specs


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
