"""Mutation operators: each looks at one node of a statement's parse tree and offers the small
changes a defect in hand-written SQL would make there.

An operator is a function ``(path, node, scope) -> [(what, change)]``: ``what`` says the change
in a few words, ``change(node)`` returns the node to put in its place (None removes a list item,
or a clause). ``OPERATORS`` is the registry, in the order mutants are numbered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pglast import ast, enums

from etlq.mutate.sql import Path, at

Change = Callable[[Any], Any]
Offer = Iterator[tuple[str, Change]]

Columns = Mapping[str, Sequence[tuple[str, str]]]
"""A catalog: ``schema.table`` -> its (column, type) in table order."""


@dataclass(frozen=True)
class Scope:
    """What an operator may know beyond its node: the whole tree and the catalog."""

    tree: ast.Node
    columns: Columns
    aliases: Mapping[str, str]  # alias or table name -> schema.table, for the tables in the catalog


def _set(**values: Any) -> Change:
    def change(node: Any) -> Any:
        for attr, value in values.items():
            setattr(node, attr, value)
        return node

    return change


def _const(val: ast.Node) -> ast.A_Const:
    return ast.A_Const(isnull=False, val=val)


_RELATIONAL = ("<", "<=", "=", "<>", ">=", ">")


def relational(path: Path, node: Any, scope: Scope) -> Offer:
    """``a < b`` -> each of the other five relational operators."""
    if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_OP and len(node.name) == 1:
        op = node.name[0].sval
        if op in _RELATIONAL:
            for other in _RELATIONAL:
                if other != op:
                    yield f"{op} -> {other}", _set(name=(ast.String(sval=other),))


def and_or(path: Path, node: Any, scope: Scope) -> Offer:
    if isinstance(node, ast.BoolExpr) and node.boolop != enums.BoolExprType.NOT_EXPR:
        flip = {enums.BoolExprType.AND_EXPR: "OR_EXPR", enums.BoolExprType.OR_EXPR: "AND_EXPR"}
        target = flip[node.boolop]
        yield f"{node.boolop.name[:-5]} -> {target[:-5]}", _set(boolop=enums.BoolExprType[target])


_CLAUSES = {"whereClause": "WHERE", "quals": "ON", "agg_filter": "FILTER", "havingClause": "HAVING"}


def drop_predicate(path: Path, node: Any, scope: Scope) -> Offer:
    """One conjunct of a WHERE / ON / FILTER / HAVING left out (the whole clause when it has one)."""
    if not path or path[-1][0] not in _CLAUSES or path[-1][1] is not None:
        return
    clause = _CLAUSES[path[-1][0]]
    if isinstance(node, ast.BoolExpr) and node.boolop == enums.BoolExprType.AND_EXPR:
        for i in range(len(node.args)):

            def without(n: Any, i: int = i) -> Any:
                rest = n.args[:i] + n.args[i + 1 :]
                return rest[0] if len(rest) == 1 else _set(args=rest)(n)

            yield f"{clause}: conjunct {i + 1} of {len(node.args)} dropped", without
    elif clause == "ON":  # a join needs a condition: always true
        yield "ON condition dropped", lambda n: _const(ast.Boolean(boolval=True))
    else:
        yield f"{clause} dropped", lambda n: None


def join_type(path: Path, node: Any, scope: Scope) -> Offer:
    if isinstance(node, ast.JoinExpr) and (node.quals is not None or node.usingClause):
        if node.jointype == enums.JoinType.JOIN_INNER:
            yield "JOIN -> LEFT JOIN", _set(jointype=enums.JoinType.JOIN_LEFT)
        elif node.jointype == enums.JoinType.JOIN_LEFT:
            yield "LEFT JOIN -> JOIN", _set(jointype=enums.JoinType.JOIN_INNER)


def _function(node: Any) -> str | None:
    if isinstance(node, ast.FuncCall):
        name = node.funcname[-1]
        return name.sval if isinstance(name, ast.String) else None
    return None


_SWAPS = {"sum": "avg", "avg": "sum", "min": "max", "max": "min"}


def aggregate(path: Path, node: Any, scope: Scope) -> Offer:
    """sum <-> avg, min <-> max, count(x) <-> count(DISTINCT x)."""
    name = _function(node)
    if name in _SWAPS:
        yield f"{name} -> {_SWAPS[name]}", _set(funcname=(ast.String(sval=_SWAPS[name]),))
    elif name == "count" and not node.agg_star and node.over is None:
        yield (
            ("count(DISTINCT x) -> count(x)" if node.agg_distinct else "count(x) -> count(DISTINCT x)"),
            _set(agg_distinct=not node.agg_distinct),
        )


def lead_lag(path: Path, node: Any, scope: Scope) -> Offer:
    name = _function(node)
    if name in ("lead", "lag"):
        other = "lag" if name == "lead" else "lead"
        yield f"{name} -> {other}", _set(funcname=(ast.String(sval=other),))


def _integer(value: int) -> Change:
    return lambda node: _const(ast.Integer(ival=value))


def constant(path: Path, node: Any, scope: Scope) -> Offer:
    """An integer constant 0 <-> 1, and +1 / -1."""
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
        value = node.val.ival
        for new in dict.fromkeys([{0: 1, 1: 0}.get(value, value + 1), value + 1, value - 1]):
            yield f"{value} -> {new}", _integer(new)


def _table_of(path: Path, node: ast.ColumnRef, scope: Scope) -> tuple[str, str] | None:
    """(schema.table, column) of a column reference, when the catalog knows its table."""
    names = [f.sval for f in node.fields if isinstance(f, ast.String)]
    if len(names) != len(node.fields):  # t.*
        return None
    if len(names) == 2:
        table = scope.aliases.get(names[0])
        return (table, names[1]) if table else None
    for depth in range(len(path), -1, -1):  # unqualified: the nearest SELECT reading one table
        owner = at(scope.tree, path[:depth])
        if isinstance(owner, ast.SelectStmt) and owner.fromClause:
            only = owner.fromClause[0] if len(owner.fromClause) == 1 else None
            if isinstance(only, ast.RangeVar) and only.schemaname:
                return f"{only.schemaname}.{only.relname}", names[0]
            return None
    return None


def _unnamed_item(node: Any) -> bool:
    """``SELECT a``: a select-list item whose output name is its column's."""
    return isinstance(node, ast.ResTarget) and node.name is None and isinstance(node.val, ast.ColumnRef)


def column(path: Path, node: Any, scope: Scope) -> Offer:
    """A column replaced by the next column of the same type of the same table; a select-list
    item keeps its output name (``SELECT a`` -> ``SELECT b AS a``), so later references resolve."""
    ref_path, ref = ((*path, ("val", None)), node.val) if _unnamed_item(node) else (path, node)
    if not isinstance(ref, ast.ColumnRef) or (
        ref is node and path and _unnamed_item(at(scope.tree, path[:-1]))
    ):
        return
    found = _table_of(ref_path, ref, scope)
    if found is None or found[0] not in scope.columns:
        return
    table, name = found
    columns = list(scope.columns[table])
    types = dict(columns)
    if name not in types:
        return
    same = [c for c, t in columns if t == types[name]]
    if len(same) < 2:
        return
    other = same[(same.index(name) + 1) % len(same)]
    fields = (*ref.fields[:-1], ast.String(sval=other))
    if ref is node:
        yield f"{name} -> {other}", _set(fields=fields)
    else:

        def renamed(item: Any) -> Any:
            return _set(name=name, val=_set(fields=fields)(item.val))(item)

        yield f"{name} -> {other} AS {name}", renamed


def sort_order(path: Path, node: Any, scope: Scope) -> Offer:
    """ASC <-> DESC in ORDER BY, window orderings included."""
    if isinstance(node, ast.SortBy):
        if node.sortby_dir == enums.SortByDir.SORTBY_DESC:
            yield "DESC -> ASC", _set(sortby_dir=enums.SortByDir.SORTBY_ASC)
        elif node.sortby_dir in (enums.SortByDir.SORTBY_ASC, enums.SortByDir.SORTBY_DEFAULT):
            yield "ASC -> DESC", _set(sortby_dir=enums.SortByDir.SORTBY_DESC)


def distinct(path: Path, node: Any, scope: Scope) -> Offer:
    """DISTINCT (or DISTINCT ON) dropped; UNION -> UNION ALL."""
    if isinstance(node, ast.SelectStmt):
        if node.distinctClause:
            on = "DISTINCT ON" if node.distinctClause[0] is not None else "DISTINCT"
            yield f"{on} dropped", _set(distinctClause=None)
        if node.op == enums.SetOperation.SETOP_UNION and not node.all:
            yield "UNION -> UNION ALL", _set(all=True)


def coalesce(path: Path, node: Any, scope: Scope) -> Offer:
    if isinstance(node, ast.CoalesceExpr):
        yield "COALESCE(a, ...) -> a", lambda n: n.args[0]


def distinct_from(path: Path, node: Any, scope: Scope) -> Offer:
    if isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_DISTINCT:
        yield "IS DISTINCT FROM -> IS NOT DISTINCT FROM", _set(kind=enums.A_Expr_Kind.AEXPR_NOT_DISTINCT)
    elif isinstance(node, ast.A_Expr) and node.kind == enums.A_Expr_Kind.AEXPR_NOT_DISTINCT:
        yield "IS NOT DISTINCT FROM -> IS DISTINCT FROM", _set(kind=enums.A_Expr_Kind.AEXPR_DISTINCT)


def on_conflict(path: Path, node: Any, scope: Scope) -> Offer:
    if isinstance(node, ast.OnConflictClause) and node.action == enums.OnConflictAction.ONCONFLICT_UPDATE:
        yield (
            "ON CONFLICT DO UPDATE -> DO NOTHING",
            _set(action=enums.OnConflictAction.ONCONFLICT_NOTHING, targetList=None, whereClause=None),
        )


OPERATORS: dict[str, Callable[[Path, Any, Scope], Offer]] = {
    "relational": relational,
    "and_or": and_or,
    "drop_predicate": drop_predicate,
    "join_type": join_type,
    "aggregate": aggregate,
    "constant": constant,
    "column": column,
    "sort_order": sort_order,
    "distinct": distinct,
    "coalesce": coalesce,
    "lead_lag": lead_lag,
    "distinct_from": distinct_from,
    "on_conflict": on_conflict,
}
