"""A pipeline statement as a PostgreSQL parse tree (pglast, PostgreSQL's own parser) and back.

The pipeline's SQL carries psycopg2 parameters (``%(name)s``, ``%%`` for a literal ``%``), which
PostgreSQL's grammar does not know: they become ``$1``, ``$2``... before parsing and are put back
after deparsing, by the scanner's tokens (never inside a string literal). ``round_trip`` proves a
statement survives the trip unchanged, tree for tree, before any mutant of it is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pglast import ast, parser, stream

from etlq.errors import EtlqError

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")

Path = tuple[tuple[str, int | None], ...]
"""Where a node sits in a tree: (attribute, index in a list or None) steps from the root."""


@dataclass(frozen=True)
class Parsed:
    """A statement's parse tree and the parameter names its ``$n`` stand for."""

    name: str
    tree: ast.Node
    params: tuple[str, ...]

    def text(self) -> str:
        """The tree deparsed, as the pipeline runs it (psycopg2 parameters restored)."""
        return restore(stream.RawStream()(self.tree), self.params)

    def pretty(self) -> str:
        """The tree deparsed one clause a line, for diffs."""
        return restore(stream.IndentedStream()(self.tree), self.params)


def _to_postgres(sql: str) -> tuple[str, tuple[str, ...]]:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return _PLACEHOLDER.sub(number, sql).replace("%%", "%"), tuple(names)


def restore(text: str, params: tuple[str, ...]) -> str:
    """Deparsed SQL back in psycopg2's form: ``%`` doubled, each ``$n`` token its ``%(name)s``."""
    out, last = [], 0
    for token in parser.scan(text):
        if token.name == "PARAM":
            out.append(text[last : token.start].replace("%", "%%"))
            out.append(f"%({params[int(text[token.start + 1 : token.end + 1]) - 1]})s")
            last = token.end + 1
    out.append(text[last:].replace("%", "%%"))
    return "".join(out)


def parse(name: str, sql: str) -> Parsed:
    """One statement of the pipeline, parsed; a text that is not exactly one statement is an error."""
    text, params = _to_postgres(sql)
    try:
        trees = parser.parse_sql(text)
    except parser.ParseError as exc:
        raise EtlqError(f"statement {name}: PostgreSQL's parser rejects it: {exc}") from None
    if len(trees) != 1:
        raise EtlqError(f"statement {name}: {len(trees)} statements in one, expected exactly one")
    return Parsed(name, trees[0].stmt, params)


def round_trip(parsed: Parsed) -> str | None:
    """Why the deparsed statement does not parse back to the same tree, or None when it does."""
    again = parse(parsed.name, parsed.text())
    if again.tree != parsed.tree:
        return f"statement {parsed.name}: its deparsed text parses to another tree"
    if again.params != parsed.params:
        return f"statement {parsed.name}: parameters {parsed.params} came back as {again.params}"
    return None


def walk(node: Any, path: Path = ()) -> Iterator[tuple[Path, ast.Node]]:
    """Every node under ``node`` (itself first), depth first in attribute order, with its path."""
    if not isinstance(node, ast.Node):
        return
    yield path, node
    for attr in type(node).__slots__:
        value = getattr(node, attr, None)
        if isinstance(value, tuple | list):
            for i, item in enumerate(value):
                yield from walk(item, (*path, (attr, i)))
        else:
            yield from walk(value, (*path, (attr, None)))


def at(tree: ast.Node, path: Path) -> Any:
    node: Any = tree
    for attr, index in path:
        node = getattr(node, attr)
        if index is not None:
            node = node[index]
    return node


def replace(tree: ast.Node, path: Path, new: Any) -> None:
    """Put ``new`` where ``path`` points (``path`` not empty); None removes a list item."""
    parent = at(tree, path[:-1])
    attr, index = path[-1]
    if index is None:
        setattr(parent, attr, new)
        return
    items = list(getattr(parent, attr))
    if new is None:
        del items[index]
    else:
        items[index] = new
    setattr(parent, attr, tuple(items))


def path_text(path: Path) -> str:
    """``whereClause.args[1].lexpr``: a path as it appears in mutant ids."""
    return ".".join(attr if index is None else f"{attr}[{index}]" for attr, index in path) or "."
