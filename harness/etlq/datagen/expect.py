"""Who must catch a planted defect: the ETL's ingest (``quarantine``), a contract check (its id),
or nobody, because the row is legal edge-case data that must load intact (``load``).

The split between quarantine and checks is the pipeline's to declare
(``Pipeline.quarantine_rules``, passed in as ``GenerateOptions.quarantines``): a raw field
that cannot be typed into its staging column (``unparseable``), an empty required value
(``null_required``), text over the column's length (``over_length``), a row with the wrong
number of fields (``ragged_row``), a value outside the bounds the *staging* contract declares
(``staging_bounds``) and an unknown value of a column that staging loads as text and a later
layer declares accepted values for (``unnormalized_value``). etl/ quarantines by all six; so
does the ingest datagen assumes when no pipeline is registered. A rule the pipeline does not
declare leaves the row to a contract check (or, for rows that cannot load, no defect is
planted). A typed value that breaks any other rule loads into staging and is the contract
checks' to find.
"""

from __future__ import annotations

from collections.abc import Sequence

from etlq.contracts.kinds import BY_NAME, CheckKind
from etlq.contracts.model import Contract
from etlq.datagen.plan import SourcePlan, lineage

QUARANTINE = "quarantine"
LOAD = "load"
# The quarantine rule (Pipeline.quarantine_rules) a defect kind is planted for when it is expected
# in quarantine; the manifest names it, so the quarantine's reason codes can be checked exactly.
RULE_OF_KIND = {
    "null_required": "null_required",
    "out_of_range": "staging_bounds",
    "unknown_accepted": "unnormalized_value",
    "malformed": "unparseable",
    "over_length": "over_length",
    "ragged_row": "ragged_row",
}


def check_id(
    contracts: Sequence[Contract], plan: SourcePlan, kind: str, columns: tuple[str, ...]
) -> str | None:
    """The first check, staging -> silver -> gold, of ``kind`` on ``columns`` in this source's lineage."""
    for c in _tables(contracts, plan):
        if _has_check(c, kind, columns):
            return f"{c.table}::{kind}[{','.join(columns)}]"
    return None


def unique_key(contracts: Sequence[Contract], plan: SourcePlan) -> tuple[tuple[str, ...], str] | None:
    """The first unique check in the lineage on this source's key: (its file columns, its id).

    Lineage columns are left out (``run_date`` is the same for every row of a file), so
    ``staging.fx_rates::unique[run_date,as_of_date,currency]`` guards ``(as_of_date, currency)``.
    """
    if not plan.key:
        return None
    for c in _tables(contracts, plan):
        etl = {col.name for col in c.columns if col.origin == "etl"}
        candidates = [tuple(c.primary_key)] + [tuple(u.value) for u in c.unique]
        candidates += [(col.name,) for col in c.columns if col.unique is not None]
        for cols in candidates:
            in_file = tuple(x for x in cols if x not in etl)
            if in_file and plan.key[0] in in_file and set(in_file) <= set(plan.columns):
                return in_file, f"{c.table}::unique[{','.join(cols)}]"
    return None


def violation(
    contracts: Sequence[Contract], plan: SourcePlan, kind: CheckKind, column: str
) -> tuple[str, str] | None:
    """(the check that must catch it, the raw text) for a value of ``column`` breaking ``kind``.

    The first contract in the lineage whose column declares the kind decides, and only when the
    kind has a violating value that the file's own column still loads (else ingest would
    quarantine it, which is another defect's business).
    """
    if kind.declared_on is None or kind.violate is None:
        return None
    for c in _tables(contracts, plan):
        col = next((x for x in c.columns if x.name == column), None)
        if col is not None and kind.declared_on(col):
            text = kind.violate(col, plan.contract.column(column))
            return None if text is None else (f"{c.table}::{kind.name}[{column}]", text)
    return None


def _tables(contracts: Sequence[Contract], plan: SourcePlan) -> list[Contract]:
    """A raw source's lineage, staging -> silver -> gold; a ``--tables`` plan's own contract."""
    return lineage(contracts, plan.name) if "." not in plan.name else [plan.contract]


def _has_check(c: Contract, kind: str, columns: tuple[str, ...]) -> bool:
    col = next((x for x in c.columns if x.name == columns[0]), None) if len(columns) == 1 else None
    declared_on = BY_NAME[kind].declared_on
    return col is not None and declared_on is not None and declared_on(col)


def rule_on(contracts: Sequence[Contract], plan: SourcePlan, column: str, *words: str) -> str | None:
    """An expression check in the lineage that names ``column`` and one of ``words`` (e.g. now())."""
    for c in _tables(contracts, plan):
        for rule in c.rules:
            text = rule.expression.lower()
            if column.lower() in text and any(w in text for w in words):
                return f"{c.table}::expression[{rule.name}]"
    return None
