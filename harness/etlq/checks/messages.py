"""One sentence per result, saying what was found. Shared by every engine so the SQL and
GX engines word the same finding the same way."""

from __future__ import annotations

from typing import Any

from etlq.checks.results import CheckResult


def _values(values: Any) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _bounds(params: Any) -> str:
    low, high = params.get("min"), params.get("max")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f">= {low}" if low is not None else f"<= {high}"


def _rows(n: int | None, total: int | None = None) -> str:
    if total is not None:
        return f"{n} of {total} rows"
    return "1 row" if n == 1 else f"{n} rows"


def describe(result: CheckResult, **facts: Any) -> str:
    """``facts`` carries engine-side numbers the result fields do not hold (sums, key counts)."""
    spec, p = result.spec, result.spec.params
    failing, total = result.failing, result.total
    counted = _rows(failing, total)
    kind = spec.kind
    if kind == "not_null":
        return f"{counted} with NULL {spec.column}"
    if kind == "accepted_values":
        return f"{counted} with {spec.column} outside {_values(p['values'])}"
    if kind == "range":
        return f"{counted} with {spec.column} not {_bounds(p)}"
    if kind == "pattern":
        return f"{counted} with {spec.column} not matching {p['pattern']!r}"
    if kind == "expression":
        return f"{counted} where ({' '.join(p['expression'].split())}) is not true"
    if kind == "unique":
        keys = facts.get("duplicate_keys")
        in_keys = f" ({keys} duplicated keys)" if keys else ""
        return f"{counted} sharing their ({spec.column}) with another row{in_keys}"
    if kind == "foreign_key":
        ref = f"{p['ref_table']}({', '.join(p['ref_columns'])})"
        return f"{counted} whose ({spec.column}) has no match in {ref}"
    if kind == "row_count":
        return f"{total} rows, expected {_bounds(p)}"
    if kind == "freshness":
        newest = result.sample[0][p["column"]] if result.sample else "n/a"
        verdict = (
            f"older than {_age(p['max_age_seconds'])}" if failing else f"within {_age(p['max_age_seconds'])}"
        )
        return f"max({p['column']}) is {newest}: {verdict}" if failing else f"max({p['column']}) {verdict}"
    if kind == "reconcile":
        return _reconcile(result, facts)
    return result.message


def _sql(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _reconcile(result: CheckResult, facts: dict[str, Any]) -> str:
    p = result.spec.params
    aspect = p["aspect"]
    source = p["source"]
    target = result.spec.table
    if aspect in ("count", "sum") and "source" not in facts:  # an engine that only counts
        return f"{aspect} differs between {source} and {target}" if result.failing else f"{aspect} matches"
    if aspect == "count":
        counts = f"{source} has {facts['source']} rows, {target} has {facts['target']}"
        return f"{counts} (difference {result.failing})"
    if aspect == "sum":
        m = p["measure"]
        tolerance = f" (tolerance {p.get('tolerance', 0)})" if p.get("tolerance") else ""
        sums = f"sum({m}): {source} {_sql(facts['source'])}, {target} {_sql(facts['target'])}"
        return f"{sums}, difference {facts['diff']}{tolerance}"
    if aspect == "missing_keys":
        return f"{_rows(result.failing).replace('row', 'key')} of {source} missing in {target}"
    return f"{_rows(result.failing).replace('row', 'key')} in {target} not in {source}"
