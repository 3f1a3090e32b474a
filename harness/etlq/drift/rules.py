"""Which schema changes break a consumer (see docs/drift.md, "Breaking changes").

A change is breaking when a reader or writer that worked against the expected shape can
fail or silently misread against the actual one.
"""

from __future__ import annotations

import re

_INTEGER_RANK = {"smallint": 1, "integer": 2, "bigint": 3}
_FLOAT_RANK = {"real": 1, "double precision": 2}
_NUMERIC = re.compile(r"^numeric(?:\((\d+),(\d+)\))?$")
_VARCHAR = re.compile(r"^character varying(?:\((\d+)\))?$")


# time(p) / timestamp(p) [with|without time zone] / interval(p): no (p) means 6 digits
_PRECISION = re.compile(r"^(?P<base>time|timestamp|interval)(?:\((?P<p>\d)\))?(?P<rest>(?: .+)?)$")


def _fractional_widening(expected: str, actual: str) -> bool | None:
    """More fractional-second digits in the same time type widens; None when not such a pair."""
    old, new = _PRECISION.match(expected), _PRECISION.match(actual)
    if not (old and new) or (old["base"], old["rest"]) != (new["base"], new["rest"]):
        return None
    return int(new["p"] or 6) >= int(old["p"] or 6)


def type_change_is_breaking(expected: str, actual: str) -> bool:
    """Only widening is safe: every old value still fits and means the same. An array widens
    when its element type does (``varchar(8)[]`` -> ``varchar(20)[]``)."""
    if expected == actual:
        return False
    if expected.endswith("[]") and actual.endswith("[]"):
        return type_change_is_breaking(expected[:-2], actual[:-2])
    if expected.endswith("[]") or actual.endswith("[]"):
        return True
    widening = _fractional_widening(expected, actual)
    if widening is not None:
        return not widening
    if expected in _INTEGER_RANK and actual in _INTEGER_RANK:
        return _INTEGER_RANK[actual] < _INTEGER_RANK[expected]
    if expected in _FLOAT_RANK and actual in _FLOAT_RANK:
        return _FLOAT_RANK[actual] < _FLOAT_RANK[expected]
    old_varchar, new_varchar = _VARCHAR.match(expected), _VARCHAR.match(actual)
    if old_varchar and (actual == "text" or new_varchar):
        if actual == "text" or new_varchar.group(1) is None:  # type: ignore[union-attr]
            return False
        return old_varchar.group(1) is None or int(new_varchar.group(1)) < int(old_varchar.group(1))  # type: ignore[union-attr]
    old_num, new_num = _NUMERIC.match(expected), _NUMERIC.match(actual)
    if old_num and new_num:
        if new_num.group(1) is None:  # unconstrained numeric holds any value
            return False
        if old_num.group(1) is None:
            return True
        old_p, old_s = int(old_num.group(1)), int(old_num.group(2))
        new_p, new_s = int(new_num.group(1)), int(new_num.group(2))
        # same scale, more digits: every old value fits unchanged
        return not (new_s == old_s and new_p >= old_p)
    return True


def nullability_change_is_breaking(expected_nullable: bool, actual_nullable: bool) -> bool:
    """NOT NULL -> nullable breaks consumers that rely on a value; the reverse only tightens."""
    return not expected_nullable and actual_nullable


def added_column_is_breaking(nullable: bool, has_default: bool) -> bool:
    """An existing INSERT that does not name the new column fails on NOT NULL without default."""
    return not nullable and not has_default
