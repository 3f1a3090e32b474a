"""The parts of a contract: columns, ``checks`` and ``reconcile`` (see docs/contracts.md)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from etlq.contracts.model import Column, ExpressionRule, ForeignKey, Reconcile, Rule, Severity
from etlq.contracts.types import (
    is_array_type,
    is_numeric_type,
    is_temporal_type,
    normalize_type,
    parse_duration,
)
from etlq.contracts.validate import Source, close_match, describe, severity_of, unwrap
from etlq.contracts.yamlnodes import YList, YMap
from etlq.sqlguard import expression_refusal

COLUMN_KEYS = (
    "type",
    "nullable",
    "unique",
    "accepted",
    "min",
    "max",
    "pattern",
    "references",
    "pii",
    "semantic",
    "origin",
    "description",
)
CHECK_KEYS = ("row_count", "freshness", "unique", "foreign_keys", "rules")
RECONCILE_KEYS = (
    "name",
    "source",
    "key",
    "measures",
    "source_filter",
    "target_filter",
    "tolerance",
    "severity",
)
PII_KINDS = ("email", "name", "phone", "address", "free_text", "id", "date", "json")
SEMANTICS = (
    "email",
    "name",
    "phone",
    "address",
    "city",
    "country_code",
    "currency",
    "company",
    "url",
    "uuid",
    "past_date",
    "past_timestamp",
    "sequence",
)
ORIGINS = ("source", "etl")
QUALIFIED = re.compile(r"^[^.]+\.[^.]+$")
_COMPOUND_REF = re.compile(r"^\s*(?P<table>[^()]+?)\s*\((?P<cols>[^()]*)\)\s*$")


def _parse_reference(f: Source, text: Any, line: int, context: str) -> ForeignKey:
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) < 3 or not all(parts):
        raise f.fail(line, f"'references' {context} must be 'schema.table.column', got {describe(text)}")
    return ForeignKey((), f"{parts[0]}.{'.'.join(parts[1:-1])}", (parts[-1],))


def _bound(f: Source, value: Any, col_type: str, line: int, key: str, context: str) -> Any:
    if is_numeric_type(col_type):
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return value
        raise f.fail(line, f"{key!r} {context} must be a number for type {col_type}, got {describe(value)}")
    if is_temporal_type(col_type):
        if isinstance(value, (dt.date, dt.datetime)):
            return value
        if isinstance(value, str):
            try:
                return (
                    dt.datetime.fromisoformat(value)
                    if "T" in value or ":" in value
                    else dt.date.fromisoformat(value)
                )
            except ValueError:
                pass
        raise f.fail(
            line, f"{key!r} {context} must be a date (YYYY-MM-DD) for type {col_type}, got {describe(value)}"
        )
    if isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool):
        return value
    raise f.fail(line, f"{key!r} {context} must be a number, date or text, got {describe(value)}")


def parse_column(f: Source, name: str, spec: Any, line: int, default: Severity) -> Column:
    context = f"in column {name!r}"
    if not isinstance(spec, YMap):
        raise f.fail(line, f"column {name!r} must be a mapping with at least 'type', got {describe(spec)}")
    f.known_keys(spec, COLUMN_KEYS, context)
    if "type" not in spec:
        raise f.fail(line, f"column {name!r} has no 'type' (add e.g. `type: text`)")
    spelled = f.typed(spec, "type", (str,), "a PostgreSQL type name", context)
    col_type = normalize_type(spelled)
    if col_type is None:
        raise f.fail(spec.key_lines["type"], f"'type' {context} is not a PostgreSQL type: {spelled!r}")
    fields: dict[str, Any] = {"name": name, "type": col_type, "line": line}
    if is_array_type(col_type):
        quoted = '"' + name.replace('"', '""') + '"'
        for key in ("accepted", "min", "max", "pattern"):
            if key in spec:
                raise f.fail(
                    spec.key_lines[key],
                    f"{key!r} {context} cannot check the array type {col_type}: it compares single values"
                    f" (fix: remove it, or write a rule under checks.rules,"
                    f" e.g. 'cardinality({quoted}) > 0')",
                )

    for key in ("description", "pii", "semantic", "origin"):
        if key in spec:
            fields[key] = f.typed(spec, key, (str,), "text", context)
    for key, allowed in (("pii", PII_KINDS), ("semantic", SEMANTICS), ("origin", ORIGINS)):
        if key in fields and fields[key] not in allowed:
            hint = difflib.get_close_matches(fields[key], allowed, n=1)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise f.fail(
                spec.key_lines[key],
                f"{key!r} {context} must be one of {', '.join(allowed)}, got {fields[key]!r}{suffix}",
            )

    def rule(key: str, value_key: str, check: Callable[[Any, int], Any]) -> Rule | None:
        if key not in spec:
            return None
        value, severity, key_line = unwrap(f, spec, key, value_key, default, context)
        checked = check(value, key_line)
        return None if checked is None else Rule(checked, severity, key_line)

    def flag(key: str) -> Callable[[Any, int], Any]:
        def check(value: Any, key_line: int) -> Any:
            if not isinstance(value, bool):
                raise f.fail(key_line, f"{key!r} {context} must be true or false, got {describe(value)}")
            return value

        return check

    nullable_rule = rule("nullable", "value", flag("nullable"))
    fields["nullable"] = True if nullable_rule is None else nullable_rule.value
    if nullable_rule is not None and nullable_rule.value is False:
        fields["not_null"] = Rule(True, nullable_rule.severity, nullable_rule.line)
    unique_rule = rule("unique", "value", flag("unique"))
    if unique_rule is not None and unique_rule.value:
        fields["unique"] = unique_rule

    def accepted(value: Any, key_line: int) -> tuple[Any, ...]:
        if (
            not isinstance(value, YList)
            or not value
            or any(isinstance(v, (dict, list)) or v is None for v in value)
        ):
            raise f.fail(
                key_line, f"'accepted' {context} must be a non-empty list of values, got {describe(value)}"
            )
        if is_numeric_type(col_type) or col_type == "boolean":
            return tuple(value)
        # YAML 1.1 reads NO/yes/on as booleans; for a text column the author meant the text
        return tuple(str(raw) if raw is not None else str(v) for v, raw in zip(value, value.raw, strict=True))

    fields["accepted"] = rule("accepted", "values", accepted)
    fields["min"] = rule("min", "value", lambda v, ln: _bound(f, v, col_type, ln, "min", context))
    fields["max"] = rule("max", "value", lambda v, ln: _bound(f, v, col_type, ln, "max", context))

    def pattern(value: Any, key_line: int) -> str:
        if not isinstance(value, str) or not value:
            raise f.fail(
                key_line, f"'pattern' {context} must be a regular expression (text), got {describe(value)}"
            )
        return value

    fields["pattern"] = rule("pattern", "value", pattern)

    def reference(value: Any, key_line: int) -> ForeignKey:
        fk = _parse_reference(f, value, key_line, context)
        return ForeignKey((name,), fk.ref_table, fk.ref_columns)

    fields["references"] = rule("references", "value", reference)
    if fields["min"] and fields["max"] and fields["min"].value > fields["max"].value:
        raise f.fail(
            fields["max"].line,
            f"'max' {context} ({fields['max'].value}) is below 'min' ({fields['min'].value})",
        )
    return Column(**fields)


def parse_checks(f: Source, checks: YMap, default: Severity, column_names: set[str]) -> dict[str, Any]:
    f.known_keys(checks, CHECK_KEYS, "in checks")
    out: dict[str, Any] = {}

    def entry(key: str, allowed: tuple[str, ...]) -> tuple[YMap, str]:
        context = f"in checks.{key}"
        value = f.typed(checks, key, (dict,), "a mapping", "in checks")
        f.known_keys(value, allowed, context)
        return value, context

    def columns_exist(names: tuple[str, ...], line: int, what: str) -> None:
        for name in names:
            if name not in column_names:
                raise f.fail(
                    line,
                    f"{what} names column {name!r}, which is not in 'columns'"
                    f"{close_match(name, column_names)}",
                )

    if "row_count" in checks:
        spec, context = entry("row_count", ("min", "max", "severity"))
        bounds = {
            k: f.typed(spec, k, (int,), "a whole number", context) if k in spec else None
            for k in ("min", "max")
        }
        if bounds["min"] is None and bounds["max"] is None:
            raise f.fail(spec.line, "checks.row_count needs 'min' and/or 'max'")
        out["row_count"] = Rule(bounds, severity_of(f, spec, default, context), checks.key_lines["row_count"])
    if "freshness" in checks:
        spec, context = entry("freshness", ("column", "max_age", "severity"))
        for key in ("column", "max_age"):
            if key not in spec:
                raise f.fail(spec.line, f"checks.freshness needs {key!r}")
        column = f.typed(spec, "column", (str,), "a column name", context)
        columns_exist((column,), spec.key_lines["column"], "checks.freshness")
        age_text = str(spec["max_age"])
        seconds = parse_duration(age_text)
        if seconds is None:
            raise f.fail(
                spec.key_lines["max_age"],
                f"'max_age' {context} must look like 30m, 36h or 7d, got {age_text!r}",
            )
        value = {"column": column, "max_age_seconds": seconds}
        out["freshness"] = Rule(value, severity_of(f, spec, default, context), checks.key_lines["freshness"])
    if "unique" in checks:
        items = f.typed(checks, "unique", (list,), "a list of column lists", "in checks")
        rules = []
        for item, line in zip(items, items.item_lines, strict=True):
            severity = default
            if isinstance(item, YMap):
                f.known_keys(item, ("columns", "severity"), "in checks.unique")
                severity = severity_of(f, item, default, "in checks.unique")
                item = item.get("columns")
            names = f.names_in(item, line, "an entry of checks.unique")
            columns_exist(names, line, "checks.unique")
            rules.append(Rule(names, severity, line))
        out["unique"] = tuple(rules)
    if "foreign_keys" in checks:
        items = f.typed(checks, "foreign_keys", (list,), "a list of {columns, references}", "in checks")
        rules = []
        for item, line in zip(items, items.item_lines, strict=True):
            context = "in checks.foreign_keys"
            if not isinstance(item, YMap):
                raise f.fail(line, f"an entry of checks.foreign_keys must be a mapping, got {describe(item)}")
            f.known_keys(item, ("columns", "references", "severity"), context)
            if "columns" not in item or "references" not in item:
                raise f.fail(line, "an entry of checks.foreign_keys needs 'columns' and 'references'")
            names = f.name_list(item, "columns", context)
            columns_exist(names, line, "checks.foreign_keys")
            ref_line = item.key_lines["references"]
            match = _COMPOUND_REF.match(item["references"]) if isinstance(item["references"], str) else None
            ref_cols = tuple(c.strip() for c in match.group("cols").split(",")) if match else ()
            if match is None or not QUALIFIED.match(match.group("table")) or not all(ref_cols):
                raise f.fail(
                    ref_line,
                    f"'references' {context} must be 'schema.table(col1, col2)', "
                    f"got {describe(item['references'])}",
                )
            if len(ref_cols) != len(names):
                raise f.fail(
                    ref_line, f"checks.foreign_keys: {len(names)} columns reference {len(ref_cols)} columns"
                )
            fk = ForeignKey(names, match.group("table"), ref_cols)
            rules.append(Rule(fk, severity_of(f, item, default, context), line))
        out["foreign_keys"] = tuple(rules)
    if "rules" in checks:
        items = f.typed(checks, "rules", (list,), "a list of {name, expression}", "in checks")
        exprs: list[ExpressionRule] = []
        for item, line in zip(items, items.item_lines, strict=True):
            if not isinstance(item, YMap):
                raise f.fail(line, f"an entry of checks.rules must be a mapping, got {describe(item)}")
            f.known_keys(item, ("name", "expression", "severity"), "in checks.rules")
            if "name" not in item or "expression" not in item:
                raise f.fail(line, "an entry of checks.rules needs 'name' and 'expression'")
            name = f.typed(item, "name", (str,), "text", "in checks.rules")
            if any(e.name == name for e in exprs):
                raise f.fail(item.key_lines["name"], f"checks.rules: duplicate rule name {name!r}")
            expression = f.typed(item, "expression", (str,), "an SQL predicate (text)", f"in rule {name!r}")
            if refusal := expression_refusal(expression):  # contracts are data: one expression only
                raise f.fail(item.key_lines["expression"], f"rule {name!r}: the expression {refusal}")
            exprs.append(
                ExpressionRule(name, expression, severity_of(f, item, default, f"in rule {name!r}"), line)
            )
        out["rules"] = tuple(exprs)
    return out


def parse_reconcile(
    f: Source, items: YList, default: Severity, column_names: set[str]
) -> tuple[Reconcile, ...]:
    out: list[Reconcile] = []
    for item, line in zip(items, items.item_lines, strict=True):
        if not isinstance(item, YMap):
            raise f.fail(line, f"an entry of reconcile must be a mapping, got {describe(item)}")
        f.known_keys(item, RECONCILE_KEYS, "in reconcile")
        for key in ("name", "source", "key"):
            if key not in item:
                raise f.fail(line, f"an entry of reconcile needs {key!r}")
        name = f.typed(item, "name", (str,), "text", "in reconcile")
        context = f"in reconcile {name!r}"
        if any(r.name == name for r in out):
            raise f.fail(item.key_lines["name"], f"reconcile: duplicate name {name!r}")
        source = f.typed(item, "source", (str,), "'schema.table'", context)
        if not QUALIFIED.match(source):
            raise f.fail(
                item.key_lines["source"], f"'source' {context} must be 'schema.table', got {source!r}"
            )
        key_columns = f.name_list(item, "key", context)
        measures = f.name_list(item, "measures", context) if "measures" in item else ()
        for col in key_columns + measures:
            if col not in column_names:
                raise f.fail(
                    line,
                    f"reconcile {name!r} names column {col!r}, which is not in 'columns'"
                    f"{close_match(col, column_names)}",
                )
        filters = {
            k: f.typed(item, k, (str,), "an SQL predicate (text) or null", context)
            if item.get(k) is not None
            else None
            for k in ("source_filter", "target_filter")
        }
        tolerance = (
            f.typed(item, "tolerance", (int, float), "a number", context) if "tolerance" in item else 0
        )
        severity = severity_of(f, item, default, context)
        out.append(
            Reconcile(
                name,
                source,
                key_columns,
                measures,
                filters["source_filter"],
                filters["target_filter"],
                float(tolerance),
                severity,
                line,
            )
        )
    return tuple(out)
