"""Spelling helpers the kind modules share: SQLAlchemy identifiers, GX query text, DQDL text,
and the pieces of failure sentences."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ColumnElement, TableClause, column, literal_column, table
from sqlalchemy.sql.elements import quoted_name

# --- SQLAlchemy: every identifier quoted, contract SQL parenthesized ---------------------------


def ident(name: str) -> quoted_name:
    return quoted_name(name, quote=True)


def table_of(qualified: str, columns: Sequence[str]) -> TableClause:
    """``schema.table`` with the given columns, every name quoted."""
    schema, name = qualified.split(".", 1)
    return table(ident(name), *(column(ident(c)) for c in columns), schema=ident(schema))


def predicate(sql: str) -> ColumnElement[bool]:
    """A contract-written SQL predicate, parenthesized so it cannot swallow its neighbours."""
    return literal_column(f"({sql})", type_=Boolean)


def bound(value: Any) -> Any:
    # YAML floats compared against numeric columns would go through double precision;
    # as Decimal they compare exactly (12.35 stays 12.35)
    return Decimal(repr(value)) if isinstance(value, float) else value


# --- GX: unexpected-rows queries as text ------------------------------------------------------

BATCH = "\x00batch\x00"  # stands for GX's {batch} until the query's own braces are escaped


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_table(qualified: str) -> str:
    schema, name = qualified.split(".", 1)
    return f"{quote(schema)}.{quote(name)}"


def quote_columns(names: Sequence[str]) -> str:
    return ", ".join(quote(n) for n in names)


def gx_query(sql: str) -> str:
    """GX runs ``str.format`` on the query: double every brace but the ``{batch}`` placeholder."""
    return sql.replace("{", "{{").replace("}", "}}").replace(BATCH, "{batch}")


def unexpected_rows(build: Callable[[Any], str]) -> Callable[[Any], Any]:
    """A GX expectation whose query returns exactly the failing rows (counted like the SQL engine)."""

    def compile_(spec: Any) -> Any:
        import great_expectations.expectations as gxe  # GX is slow to import: only when compiling

        return gxe.UnexpectedRowsExpectation(unexpected_rows_query=gx_query(build(spec)))

    return compile_


def gxe() -> Any:
    import great_expectations.expectations as expectations

    return expectations


def gx_bounds(spec: Any) -> dict[str, Any]:
    return {"min_value": spec.params.get("min"), "max_value": spec.params.get("max")}


def where(sql: str | None) -> str:
    return f" WHERE ({sql})" if sql else ""


# --- DQDL (AWS Glue Data Quality) -------------------------------------------------------------


def alias(table_name: str) -> str:
    return table_name.replace(".", "_")


def dq_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dq_value(value: Any) -> str:
    if isinstance(value, bool):
        return dq_string(str(value).lower())
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return dq_string(value.isoformat())
    return dq_string(str(value))


def dq_columns(names: Iterable[str]) -> str:
    return " ".join(dq_string(n) for n in names)


def spark_name(name: str) -> str:
    """A column in Spark SQL: bare when it is a plain identifier, else in backticks."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "`" + name.replace("`", "``") + "`"


def listable(names: Iterable[str]) -> bool:
    # DQDL lists columns as "a,b" and "alias.{a,b}": a name holding , { } cannot be listed
    return not any(ch in name for name in names for ch in ",{}")


def dq_bounds(left: str, params: Any) -> str:
    """``<left> >= min``, ``<left> <= max`` or both joined (DQDL's ``between`` is exclusive)."""
    parts = [f"{left} >= {dq_value(params['min'])}"] if params.get("min") is not None else []
    parts += [f"{left} <= {dq_value(params['max'])}"] if params.get("max") is not None else []
    return parts[0] if len(parts) == 1 else " and ".join(f"({part})" for part in parts)


# --- failure sentences ------------------------------------------------------------------------


def values_text(values: Any) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def bounds_text(params: Any) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f">= {low}" if low is not None else f"<= {high}"


def rows_text(n: int | None, total: int | None = None) -> str:
    if total is not None:
        return f"{n} of {total} rows"
    return "1 row" if n == 1 else f"{n} rows"


def age_text(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
