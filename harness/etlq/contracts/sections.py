"""The parts of a contract: columns, ``checks`` and top-level kind sections (see docs/contracts.md).

What a key means is the check kind's (``etlq.contracts.kinds``): this module validates what
belongs to no kind (type, pii, semantic, origin, description) and hands every other key to
the kind that owns it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from etlq.contracts.kinds import KINDS
from etlq.contracts.kinds.base import ColumnScope, TableScope
from etlq.contracts.kinds.foreign_key import QUALIFIED
from etlq.contracts.model import Column, Severity
from etlq.contracts.types import is_array_type, normalize_type, type_mistake
from etlq.contracts.validate import Source, describe
from etlq.contracts.yamlnodes import YList, YMap

COLUMN_KEYS = (
    "type",
    *(key for k in KINDS for key in k.column_keys),
    "pii",
    "semantic",
    "origin",
    "description",
)
CHECK_KEYS = tuple(key for k in KINDS for key in k.check_keys)
TOP_LEVEL_KIND_KEYS = tuple(key for k in KINDS for key in k.top_keys)

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
    wrong = type_mistake(col_type)
    if wrong:
        raise f.fail(spec.key_lines["type"], f"'type' {context}: {wrong}")
    fields: dict[str, Any] = {"name": name, "type": col_type, "line": line}
    if is_array_type(col_type):
        quoted = '"' + name.replace('"', '""') + '"'
        for key in (key for k in KINDS if k.per_value for key in k.column_keys):
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
    scope = ColumnScope(f, spec, name, col_type, default)
    checks = {}
    for kind in KINDS:
        if kind.parse_column is not None:
            checks.update(f.attempt(kind.parse_column, scope) or {})
    fields["checks"] = checks
    fields["nullable"] = "not_null" not in checks
    return Column(**fields)


def parse_checks(
    f: Source,
    checks: YMap,
    default: Severity,
    column_names: set[str],
    column_types: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``checks`` mapping, key -> what the owning kind parsed (``Contract.checks``);
    ``column_types``: name -> type of the columns that parsed."""
    f.attempt(f.known_keys, checks, CHECK_KEYS, "in checks")
    scope = TableScope(f, checks, default, column_names, dict(column_types or {}))
    parsed = {
        key: f.attempt(kind.parse_check, scope, key)
        for kind in KINDS
        if kind.parse_check is not None
        for key in kind.check_keys
        if key in checks
    }
    return {key: value for key, value in parsed.items() if value is not None}


def parse_top_level(f: Source, doc: YMap, default: Severity, column_names: set[str]) -> dict[str, Any]:
    """Top-level sections a kind owns (``reconcile``) -> the Contract fields of the same name."""
    scope = TableScope(f, doc, default, column_names)
    out = {}
    for kind in KINDS:
        for key in kind.top_keys:
            if key in doc and kind.parse_top is not None:
                items: YList | None = f.attempt(f.typed, doc, key, (list,), "a list", "at top level")
                parsed = None if items is None else f.attempt(kind.parse_top, scope, items)
                if parsed is not None:
                    out[key] = parsed
    return out


__all__ = [
    "CHECK_KEYS",
    "COLUMN_KEYS",
    "QUALIFIED",
    "TOP_LEVEL_KIND_KEYS",
    "parse_checks",
    "parse_column",
    "parse_top_level",
]
