"""Which columns hold personal data, and how each is masked.

A table with a contract is masked exactly as its ``pii:`` tags say. A table without one is
judged by column names (``email``, ``phone``, ``first_name``, ``ip_address``, ``address``,
``ssn``, ``dob``...) when its type can hold the masked value, ``inet`` columns by their type,
and the remaining text columns by a sample of values (mostly emails, mostly phone numbers).
Key columns found only by these guesses stay as they are: masking a key by accident would
break the subset's joins, and a contract can always tag one on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from harness.contracts.model import Contract
from harness.errors import EtlqError
from harness.sanitize.catalog import Catalog, ColumnInfo, TableRef

SAMPLE_VALUES = 200
SAMPLE_SHARE = 0.8  # share of sampled values that must look like an email / phone

# (regex on the normalized column name, method); first match wins
NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"e_?mail", "email"),
    (r"phone|mobile|fax|^tel(_|$)|telephone", "phone"),
    (r"first_?name|given_?name|forename", "first_name"),
    (r"last_?name|surname|family_?name", "last_name"),
    (r"^(full_?|display_?|contact_?|customer_?|person_?|middle_?)?name$", "name"),
    (r"(^|_)ip(_|$)|ip_?addr|ipv[46]|remote_?addr|client_?addr", "ip"),  # before address: ip_address
    (r"address|street|addr_?line|postcode|zip_?code|postal", "address"),
    (r"ssn|social_?security|national_?id|passport|tax_?id|iban|license_?n", "id"),
    (r"dob|birth", "date"),
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[\d\s().\-x]{7,25}$")
METHODS = ("email", "name", "first_name", "last_name", "phone", "address", "free_text", "id", "date", "ip")
_DIGITS = ("smallint", "integer", "bigint", "numeric")  # digits -> digits keeps such a value valid


@dataclass(frozen=True)
class MaskRule:
    table: TableRef
    column: str
    method: str
    reason: str  # "contract", "name", "type" (inet) or "values"


def normalized(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def fits(method: str, col: ColumnInfo) -> bool:
    """Whether ``method``'s output is a valid value of the column's (target) type."""
    pg_type = col.portable_type
    if col.is_text:
        return True
    if method == "date":
        return pg_type == "date" or pg_type.startswith("timestamp")
    if method == "ip":
        return pg_type in ("inet", "cidr")
    return method in ("id", "phone") and pg_type.startswith(_DIGITS) and not pg_type.endswith("]")


def plan_masking(
    conn: sa.Connection,
    catalog: Catalog,
    tables: Sequence[TableRef],
    contracts: Sequence[Contract],
    keep: Sequence[str] = (),
) -> list[MaskRule]:
    """Mask rules for ``tables`` in table order; ``keep`` lists ``schema.table.column`` left as they are."""
    by_table = {c.table: c for c in contracts}
    rules: list[MaskRule] = []
    for ref in tables:
        info = catalog.tables[ref]
        contract = by_table.get(str(ref))
        if contract is not None:
            for col in contract.columns:
                if col.pii and any(c.name == col.name for c in info.columns):
                    live = info.column(col.name)
                    method = _method_for_tag(col.pii, live)
                    if not fits(method, live):
                        raise EtlqError(
                            f"{contract.path}: column {col.name!r} of {ref} is tagged pii: {col.pii}, "
                            f"but a masked {method} is no value of its type {live.type}",
                            "tag it with a kind its type can hold (address for inet, date for dates)",
                            f"pass --keep {ref}.{col.name} to copy it unmasked on purpose",
                        )
                    rules.append(MaskRule(ref, col.name, method, "contract"))
        else:
            keys = set(info.primary_key) | {c for fk in catalog.parents(ref) for c in fk.columns}
            keys |= {c for fk in catalog.children(ref) for c in fk.parent_columns}
            rules += _guess(conn, ref, [c for c in info.columns if c.name not in keys])
    known = {f"{ref}.{c.name}" for ref in tables for c in catalog.tables[ref].columns}
    for name in keep:
        if name not in known:
            raise EtlqError(
                f"--keep {name}: no such column in scope", "write it as schema.table.column, unquoted"
            )
    return [r for r in rules if f"{r.table}.{r.column}" not in set(keep)]


def _method_for_tag(tag: str, column: ColumnInfo) -> str:
    """A contract says ``pii: name``; the column name says whether it is a first, last or full
    name. ``pii: address`` on an ``inet``/``cidr`` column is an IP address."""
    if tag == "name":
        by_name = next((m for rx, m in NAME_RULES if re.search(rx, normalized(column.name))), "name")
        return by_name if by_name in {"first_name", "last_name"} else "name"
    if tag == "address" and column.portable_type in ("inet", "cidr"):
        return "ip"
    return tag


def _guess(conn: sa.Connection, ref: TableRef, columns: list[ColumnInfo]) -> list[MaskRule]:
    """By name (when the type can hold the mask: ``address_id integer`` is no address), inet by
    type (an IP address is personal data), the other text columns by their values."""
    found: list[MaskRule] = []
    unknown_text = []
    for col in columns:
        method = next((m for rx, m in NAME_RULES if re.search(rx, normalized(col.name))), None)
        if method is not None and fits(method, col):
            found.append(MaskRule(ref, col.name, method, "name"))
        elif col.portable_type == "inet":
            found.append(MaskRule(ref, col.name, "ip", "type"))
        elif col.is_text:
            unknown_text.append(col)
    for col in unknown_text:
        method = _by_values(conn, ref, col.name)
        if method:
            found.append(MaskRule(ref, col.name, method, "values"))
    return found


def _by_values(conn: sa.Connection, ref: TableRef, column: str) -> str | None:
    c: sa.ColumnClause[Any] = sa.column(column)
    query = (
        sa.select(c)
        .select_from(sa.table(ref.name, c, schema=ref.schema))
        .where(c.is_not(None))
        .limit(SAMPLE_VALUES)
    )
    values = [str(v).strip() for (v,) in conn.execute(query)]
    if not values:
        return None
    for method, pattern in (("email", EMAIL), ("phone", PHONE)):
        hits = sum(
            1
            for v in values
            if pattern.match(v) and (method != "phone" or sum(ch.isdigit() for ch in v) >= 7)
        )
        if hits >= SAMPLE_SHARE * len(values):
            return method
    return None
