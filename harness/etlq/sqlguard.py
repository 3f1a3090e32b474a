"""What SQL a contract may contribute, and what a check connection may send, decided by a parser.

A contract's ``expression`` rule is data: it must be ONE scalar boolean expression. It is parsed
with PostgreSQL's own grammar (pglast) and every node of its tree must be on an allowlist: no
statement separators, no transaction control, no ``SET``, no writing subqueries or CTEs, no row
locks, and only functions known to be side-effect free (so no ``set_config``, ``pg_sleep``,
``dblink``, ``lo_*``, ``pg_terminate_backend`` …). ``statement_refusal`` is the second wall: the
check connections (``etlq.connect``) refuse anything but one read-only statement, whatever text
reaches them.
"""

from __future__ import annotations

import re
from typing import Any

from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.visitors import Visitor

# Node types an expression (including a read-only subquery in it) may contain.
_NODES = frozenset(
    {
        "A_ArrayExpr", "A_Const", "A_Expr", "A_Indices", "A_Indirection", "A_Star", "Alias",
        "BoolExpr", "BooleanTest", "CaseExpr", "CaseWhen", "CoalesceExpr", "CollateClause",
        "ColumnRef", "CommonTableExpr", "FuncCall", "JoinExpr", "MinMaxExpr", "NullTest",
        "RangeSubselect", "RangeVar", "ResTarget", "RowExpr", "SQLValueFunction", "SelectStmt",
        "SortBy", "SubLink", "TypeCast", "TypeName", "WithClause", "Boolean", "Float", "Integer",
        "String", "BitString", "RangeFunction", "WindowDef",
    }
)  # fmt: skip

# Functions an expression may call: pure or stable built-ins (scalars and aggregates for subqueries).
_FUNCTIONS = frozenset(
    """
    abs ceil ceiling floor round trunc sign mod power sqrt exp ln log div greatest least
    length char_length character_length octet_length bit_length lower upper initcap trim btrim
    ltrim rtrim lpad rpad substring substr position strpos replace translate left right reverse
    repeat concat concat_ws split_part starts_with format quote_ident quote_literal md5 ascii chr
    regexp_replace regexp_match regexp_matches regexp_like regexp_count regexp_substr
    regexp_split_to_array to_char to_date to_timestamp to_number now current_timestamp
    statement_timestamp transaction_timestamp date_trunc date_part extract age make_date
    make_time make_timestamp make_timestamptz make_interval justify_days justify_hours isfinite
    timezone overlaps array_length array_lower array_upper cardinality array_position
    array_to_string string_to_array unnest jsonb_typeof json_typeof jsonb_array_length
    json_array_length jsonb_extract_path_text json_extract_path_text jsonb_exists to_jsonb
    coalesce nullif num_nonnulls num_nulls count sum min max avg bool_and bool_or every
    array_agg string_agg stddev variance generate_series isnumeric like_escape
    """.split()  # noqa: SIM905 - a word list a reader scans
)

_MAX_LENGTH = 10_000


class _Walk(Visitor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.problem: str | None = None

    def visit(self, ancestors: Any, node: Any) -> None:
        if self.problem:
            return
        kind = type(node).__name__
        if kind not in _NODES:
            self.problem = f"{_describe(kind)} is not allowed in an expression"
        elif isinstance(node, ast.FuncCall):
            names = [n.sval for n in node.funcname]
            schema_ok = len(names) == 1 or (len(names) == 2 and names[0] == "pg_catalog")
            if not schema_ok or names[-1] not in _FUNCTIONS:
                shown = ".".join(names)
                self.problem = f"function {shown}() is not on the list of side-effect-free functions"
        elif isinstance(node, ast.SelectStmt):
            if node.intoClause is not None or node.lockingClause:
                self.problem = "SELECT INTO / FOR UPDATE is not allowed in an expression"
        elif isinstance(node, ast.CommonTableExpr) and not isinstance(node.ctequery, ast.SelectStmt):
            self.problem = "a WITH query that writes is not allowed in an expression"


def _describe(kind: str) -> str:
    return {
        "TransactionStmt": "transaction control (COMMIT/BEGIN/ROLLBACK)",
        "VariableSetStmt": "SET",
        "ParamRef": "a parameter ($1)",
    }.get(kind, kind.removesuffix("Stmt").upper() if kind.endswith("Stmt") else kind)


def expression_refusal(expression: str) -> str | None:
    """Why ``expression`` is not one scalar boolean expression a check may run, or None if it is."""
    if len(expression) > _MAX_LENGTH:
        return f"is longer than {_MAX_LENGTH} characters"
    try:
        statements = parse_sql(f"SELECT ({expression})")
    except ParseError as exc:  # its "at index N" counts from the wrapper, so leave it out
        return f"is not an SQL expression: {str(exc).split(', at index')[0]}"
    if len(statements) != 1:
        return "must be one expression, not several statements (no ';')"
    select = statements[0].stmt
    if (
        not isinstance(select, ast.SelectStmt)
        or len(select.targetList or ()) != 1
        or any(
            getattr(select, part)
            for part in (
                "fromClause",
                "whereClause",
                "groupClause",
                "havingClause",
                "sortClause",
                "limitCount",
                "limitOffset",
                "withClause",
                "windowClause",
                "distinctClause",
                "lockingClause",
                "intoClause",
                "valuesLists",
                "larg",
                "rarg",
            )
        )  # fmt: skip
    ):
        return "must be one expression (it closes the expression and adds clauses of its own)"
    walk = _Walk()
    walk(select.targetList[0].val)
    return walk.problem


# What the check connections send: one read-only statement each (savepoints for error isolation).
_STATEMENTS = frozenset({"SelectStmt", "VariableShowStmt", "ExplainStmt"})
_TRANSACTION_KINDS = frozenset({"TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE", "TRANS_STMT_ROLLBACK_TO"})
# Functions with side effects outside the read-only transaction (engine SQL uses catalog
# functions too many to list, so this wall is a blocklist; the expression wall is an allowlist).
_SIDE_EFFECTS = (
    "set_config", "pg_sleep", "dblink", "lo_", "pg_terminate_backend", "pg_cancel_backend",
    "pg_advisory", "pg_try_advisory", "pg_notify", "nextval", "setval", "pg_reload_conf",
    "pg_read_", "pg_ls_", "pg_stat_file", "pg_file_", "pg_switch_wal", "pg_create_", "pg_drop_",
    "pg_logical_", "pg_replication_", "pg_promote", "pg_rotate_logfile", "pg_stat_reset",
    "pg_log_backend", "query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml",
    "database_to_xml", "pg_import_system", "txid_current", "pg_current_xact_id",
)  # fmt: skip


class _Functions(Visitor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def visit_FuncCall(self, ancestors: Any, node: Any) -> None:
        self.names.append(node.funcname[-1].sval.lower())


_DRIVER_PARAMETER = re.compile(r"%\(\w+\)s|%s|%%")


def statement_refusal(sql: str) -> str | None:
    """Why a read-only check connection must not send ``sql`` (with psycopg2's ``%(name)s``
    parameters), or None if it may."""
    try:
        statements = parse_sql(_DRIVER_PARAMETER.sub(lambda m: "%" if m[0] == "%%" else "$1", sql))
    except ParseError as exc:
        return f"cannot be parsed: {exc}"
    if len(statements) != 1:
        return "is several statements"
    stmt = statements[0].stmt
    kind = type(stmt).__name__
    if isinstance(stmt, ast.TransactionStmt):
        return None if stmt.kind.name in _TRANSACTION_KINDS else f"is {_describe(kind)}"
    if isinstance(stmt, ast.VariableSetStmt):
        read_write = any(
            o.defname == "transaction_read_only" and not getattr(o.arg.val, "ival", 1)
            for o in stmt.args or ()
        )
        if stmt.name == "TRANSACTION" and not read_write:
            return None  # SET TRANSACTION READ ONLY / ISOLATION LEVEL
        return "is SET (check connections stay read-only)"
    if kind not in _STATEMENTS:
        return f"is {_describe(kind)}"
    if isinstance(stmt, ast.SelectStmt) and (stmt.intoClause is not None or stmt.lockingClause):
        return "is SELECT INTO / FOR UPDATE"
    functions = _Functions()
    functions(stmt)
    bad = [name for name in functions.names if name.startswith(_SIDE_EFFECTS)]
    return f"calls {bad[0]}(), which has side effects" if bad else None
