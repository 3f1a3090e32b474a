"""Check kinds: one module per kind, listed in ``KINDS`` (see ``base.CheckKind`` for what a kind says).

Every consumer iterates ``KINDS``: the contract loader (keys and validation), the plan (check
ids), the SQL engine, the GX engine, the DQDL export, the failure sentences, datagen and the
docs tests. To add a kind, write a module next to these and add its ``KIND`` here
(docs/contracts.md, "Adding a check kind"). The order is the order of a column's keys and of
checks within a position of the plan.
"""

from __future__ import annotations

from etlq.contracts.kinds import (
    accepted,
    anomaly,
    expression,
    foreign_key,
    freshness,
    max_length,
    not_null,
    pattern,
    range,
    reconcile,
    row_count,
    unique,
)
from etlq.contracts.kinds.base import CheckKind

KINDS: tuple[CheckKind, ...] = (
    row_count.KIND,
    not_null.KIND,
    unique.KIND,
    accepted.KIND,
    range.KIND,
    pattern.KIND,
    foreign_key.KIND,
    max_length.KIND,
    expression.KIND,
    freshness.KIND,
    reconcile.KIND,
    anomaly.KIND,
)
BY_NAME: dict[str, CheckKind] = {k.name: k for k in KINDS}
KIND_NAMES: tuple[str, ...] = tuple(BY_NAME)


def kind(name: str) -> CheckKind:
    """The kind called ``name``; KeyError names the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no check kind {name!r} (known: {', '.join(KIND_NAMES)})") from None


__all__ = ["BY_NAME", "KINDS", "KIND_NAMES", "CheckKind", "kind"]
