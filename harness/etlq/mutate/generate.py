"""Mutants of a pipeline's statements: every offer of every operator at every node, with a
deterministic id ``<statement>:<operator>:<node path>:<ordinal>``, optionally sampled."""

from __future__ import annotations

import difflib
import fnmatch
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pglast import ast

from etlq.errors import EtlqError
from etlq.mutate.operators import OPERATORS, Columns, Scope
from etlq.mutate.sql import Parsed, Path, at, parse, path_text, replace, round_trip, walk


@dataclass(frozen=True)
class Mutant:
    """One change of one statement; its SQL is built on demand (``sql``, ``diff``)."""

    id: str
    statement: str
    operator: str
    what: str  # the change in a few words
    path: Path
    ordinal: int
    source: str  # the statement's original text

    @property
    def stage(self) -> str:
        """The pipeline stage the statement belongs to (``ingest``, ``silver``...)."""
        return self.statement.split(".", 1)[0]

    def _build(self, columns: Columns) -> Parsed:
        fresh = parse(self.statement, self.source)
        scope = Scope(fresh.tree, columns, _aliases(fresh.tree, columns))
        offers = list(OPERATORS[self.operator](self.path, at(fresh.tree, self.path), scope))
        changed = offers[self.ordinal][1](at(fresh.tree, self.path))
        if not self.path:
            return Parsed(fresh.name, changed, fresh.params)
        replace(fresh.tree, self.path, changed)
        return fresh

    def sql(self, columns: Columns) -> str:
        """The mutated statement, as the pipeline runs it."""
        return self._build(columns).text()

    def diff(self, columns: Columns) -> str:
        """Unified diff of the pretty-printed statement, original -> mutant."""
        before = parse(self.statement, self.source).pretty().splitlines()
        after = self._build(columns).pretty().splitlines()
        return "\n".join(difflib.unified_diff(before, after, "original", "mutant", n=1, lineterm=""))


def _aliases(tree: ast.Node, columns: Columns) -> dict[str, str]:
    """alias (or table name) -> schema.table for every catalogued table the statement names;
    ``excluded`` is the INSERT target's row proposed for insertion."""
    found: dict[str, str] = {}
    for _, node in walk(tree):
        if isinstance(node, ast.RangeVar) and node.schemaname:
            qualified = f"{node.schemaname}.{node.relname}"
            if qualified in columns:
                found[node.alias.aliasname if node.alias else node.relname] = qualified
    if isinstance(tree, ast.InsertStmt) and tree.onConflictClause is not None:
        target = tree.relation
        if target.schemaname and f"{target.schemaname}.{target.relname}" in columns:
            found["excluded"] = f"{target.schemaname}.{target.relname}"
    return found


def statement_mutants(parsed: Parsed, sql: str, columns: Columns, operators: Sequence[str]) -> list[Mutant]:
    """Every mutant of one statement (``sql`` is its text)."""
    scope = Scope(parsed.tree, columns, _aliases(parsed.tree, columns))
    return [
        Mutant(f"{parsed.name}:{op}:{path_text(path)}:{i}", parsed.name, op, what, path, i, sql)
        for path, node in walk(parsed.tree)
        for op in operators
        for i, (what, _) in enumerate(OPERATORS[op](path, node, scope))
    ]


@dataclass(frozen=True)
class Generated:
    statements: dict[str, Parsed]  # the selected statements, parsed and proven to round-trip
    mutants: list[Mutant]  # after sampling
    ids: frozenset[str]  # every mutant generated, before sampling

    @property
    def total(self) -> int:
        return len(self.ids)


def select_statements(statements: Mapping[str, str], select: str | None) -> dict[str, str]:
    """The statements whose name matches one of the comma-separated globs (all without ``select``)."""
    if not select:
        return dict(statements)
    globs = [g.strip() for g in select.split(",") if g.strip()]
    chosen = {n: s for n, s in statements.items() if any(fnmatch.fnmatchcase(n, g) for g in globs)}
    if not chosen:
        raise EtlqError(
            f"--select {select!r} matches no statement",
            f"the pipeline's statements: {', '.join(statements)}",
        )
    return chosen


def check_operators(names: Iterable[str]) -> list[str]:
    chosen = list(names)
    unknown = [n for n in chosen if n not in OPERATORS]
    if unknown:
        raise EtlqError(f"unknown operator(s) {', '.join(unknown)}", f"known: {', '.join(OPERATORS)}")
    return chosen


def generate(
    statements: Mapping[str, str],
    columns: Columns,
    *,
    operators: Sequence[str] = tuple(OPERATORS),
    limit: int | None = None,
    seed: int = 0,
) -> Generated:
    """Parse every statement (each must round-trip), mutate it, and keep ``limit`` mutants chosen
    by ``seed`` (all when None), in id order."""
    parsed: dict[str, Parsed] = {}
    mutants: list[Mutant] = []
    for name, sql in statements.items():
        parsed[name] = parse(name, sql)
        problem = round_trip(parsed[name])
        if problem:
            raise EtlqError(problem, "this statement cannot be mutated: report it with its text")
        mutants.extend(statement_mutants(parsed[name], sql, columns, operators))
    ids = frozenset(m.id for m in mutants)
    if limit is not None and limit < len(mutants):
        keep = set(random.Random(seed).sample(range(len(mutants)), limit))
        mutants = [m for i, m in enumerate(mutants) if i in keep]
    return Generated(parsed, mutants, ids)
