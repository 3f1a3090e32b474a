"""Contracts -> AWS Glue Data Quality rulesets (DQDL), one ``<schema>.<table>.dqdl`` per table.

Rule forms follow the DQDL reference (docs.aws.amazon.com/glue/latest/dg/dqdl.html):
``IsComplete "c"``, ``IsUnique "a" "b"``, ``ColumnValues "c" in [...]``, ``ColumnValues "c" >= 0``
(DQDL's ``between`` is exclusive, so inclusive bounds use ``>=``/``<=``), ``ColumnValues "c"
matches "re"``, ``RowCount >= n``, ``ReferentialIntegrity "c" "alias.{c}" = 1.0`` and
``CustomSql "select count(*) from primary where ..." = 0``.

Referenced tables are DQDL reference datasets; their alias is ``<schema>_<table>`` (DQDL
splits ``alias.{cols}`` on the first dot, so the alias itself cannot hold one). A Glue job
passes them as ``additional_data_sources={"gold_dim_customers": frame, ...}``.
Checks DQDL cannot state (reconcile with filters, missing keys, keys whose column names hold
``,``, ``{`` or ``}``) are returned as skipped. Column names that are not plain identifiers are
back-quoted inside Spark SQL (``CustomSql``, ``AggregateMatch``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from etlq.checks.plan import plan_contract
from etlq.checks.results import CheckSpec
from etlq.contracts.model import Contract
from etlq.export.files import write_atomic


@dataclass(frozen=True)
class Ruleset:
    table: str
    rules: tuple[str, ...]
    skipped: tuple[str, ...]  # check ids DQDL cannot express
    references: dict[str, str]  # alias -> schema.table

    def text(self) -> str:
        return "Rules = [\n" + ",\n".join(f"    {rule}" for rule in self.rules) + "\n]\n"


def alias(table: str) -> str:
    return table.replace(".", "_")


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _string(str(value).lower())
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return _string(value.isoformat())
    return _string(str(value))


def _columns(names: Iterable[str]) -> str:
    return " ".join(_string(n) for n in names)


def _spark_name(name: str) -> str:
    """A column in Spark SQL: bare when it is a plain identifier, else in backticks."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        return name
    return "`" + name.replace("`", "``") + "`"


def _listable(names: Iterable[str]) -> bool:
    # DQDL lists columns as "a,b" and "alias.{a,b}": a name holding , { } cannot be listed
    return not any(ch in name for name in names for ch in ",{}")


def _spark_sql(expression: str) -> str:
    # DQDL runs CustomSql on Spark: predicates written for PostgreSQL must also parse there
    return f"select count(*) from primary where not coalesce(({expression}), false)"


def _rule(spec: CheckSpec, contract: Contract) -> str | None:
    p = spec.params
    if spec.kind == "not_null":
        return f"IsComplete {_string(str(spec.column))}"
    if spec.kind == "unique":
        return f"IsUnique {_columns(spec.columns)}"
    if spec.kind == "accepted_values":
        values = [_value(v) for v in p["values"]]
        if contract.column(str(spec.column)).nullable:
            values.append("NULL")  # NULL is not a failure of accepted_values; nullable covers it
        return f"ColumnValues {_string(str(spec.column))} in [{', '.join(values)}]"
    if spec.kind == "range":
        col = _string(str(spec.column))
        parts = [f"ColumnValues {col} >= {_value(p['min'])}"] if p.get("min") is not None else []
        parts += [f"ColumnValues {col} <= {_value(p['max'])}"] if p.get("max") is not None else []
        return parts[0] if len(parts) == 1 else " and ".join(f"({part})" for part in parts)
    if spec.kind == "pattern":
        return f"ColumnValues {_string(str(spec.column))} matches {_string(p['pattern'])}"
    if spec.kind == "row_count":
        parts = [f"RowCount >= {p['min']}"] if p.get("min") is not None else []
        parts += [f"RowCount <= {p['max']}"] if p.get("max") is not None else []
        return parts[0] if len(parts) == 1 else " and ".join(f"({part})" for part in parts)
    if spec.kind == "foreign_key" and _listable([*p["columns"], *p["ref_columns"]]):
        cols = ",".join(p["columns"])
        ref_cols = ",".join(p["ref_columns"])
        return f'ReferentialIntegrity "{cols}" "{alias(p["ref_table"])}.{{{ref_cols}}}" = 1.0'
    if spec.kind == "expression":
        return f"CustomSql {_string(_spark_sql(p['expression']))} = 0"
    if spec.kind == "freshness":
        column, seconds = _spark_name(p["column"]), int(p["max_age_seconds"])
        fresh = (
            f"select count(*) from primary where {column} >= current_timestamp() - interval {seconds} seconds"
        )
        return f"CustomSql {_string(fresh)} > 0"
    if spec.kind == "reconcile" and not p.get("source_filter") and not p.get("target_filter"):
        source = alias(p["source"])
        if p["aspect"] == "count":
            return f"RowCountMatch {_string(source)} = 1.0"
        if p["aspect"] == "sum" and not p.get("tolerance"):
            m = _spark_name(p["measure"])
            return f"AggregateMatch {_string(f'sum({m})')} {_string(f'sum({source}.{m})')} = 1.0"
        if p["aspect"] == "extra_keys" and _listable(p["key"]):  # every target key exists in the source
            key = ",".join(p["key"])
            return f'ReferentialIntegrity "{key}" "{source}.{{{key}}}" = 1.0'
    return None


def ruleset(contract: Contract) -> Ruleset:
    rules, skipped, refs = [], [], {}
    for spec in plan_contract(contract):
        rule = _rule(spec, contract)
        if rule is None:
            skipped.append(spec.id)
            continue
        rules.append(rule)
        for table in (spec.params.get("ref_table"), spec.params.get("source")):
            if table and alias(table) in rule:
                refs[alias(table)] = table
    return Ruleset(contract.table, tuple(rules), tuple(skipped), refs)


def write_dqdl(contracts: Iterable[Contract], out_dir: Path | str) -> list[tuple[Path, Ruleset]]:
    """Write one ``<schema>.<table>.dqdl`` per contract that has rules; return what was written."""
    written = []
    for contract in contracts:
        rs = ruleset(contract)
        if rs.rules:
            written.append((write_atomic(Path(out_dir) / f"{contract.table}.dqdl", rs.text()), rs))
    return written
