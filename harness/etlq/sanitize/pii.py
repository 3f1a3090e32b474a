"""Which columns hold personal data, and how each is masked.

A table with a contract is masked exactly as its ``pii:`` tags say. A table without one is
judged by column names (``email``, ``phone``, ``first_name``, ``ip_address``, ``address``,
``ssn``, ``dob``...) when its type can hold the masked value, ``inet`` columns by their type,
and the remaining columns by a sample of values: text (mostly emails, mostly phone numbers,
or e-mail addresses inside free text: ``scrub``), text arrays (the same, per element:
``email[]``), json/jsonb (a key named like personal data or an e-mail address in a string:
``json``). Key columns found only by these guesses stay as they are: masking a key by
accident would break the subset's joins, and a contract can always tag one on purpose.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa

from etlq.contracts.model import Contract
from etlq.errors import EtlqError
from etlq.sanitize.catalog import TEXT_TYPES, Catalog, ColumnInfo, TableRef

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
# an e-mail address anywhere in a text; no backslash, so PostgreSQL's regexes read it alike
EMAIL_TOKEN_PATTERN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:[.][A-Za-z0-9-]+)*[.][A-Za-z]{2,}"
EMAIL_TOKEN = re.compile(EMAIL_TOKEN_PATTERN)
# a phone number inside a text: +E.164, or 2-5 digit groups split by one space, dot or dash,
# optionally after +country and (area); 7+ digits, not a date or an IPv4 address (see pii_spans)
PHONE_TOKEN = re.compile(
    r"(?<![\w+])(?:\+\d{7,15}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4})(?!\w)"
)
_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")
METHODS = ("email", "name", "first_name", "last_name", "phone", "address", "free_text", "id", "date", "ip")
# methods for values with structure (harness/etlq/sanitize/structured.py): e-mail addresses and phone
# numbers inside free text; json documents; ``<method>[]`` masks every element of a text array
STRUCTURED = ("scrub", "json", "json_all")
_DIGITS = ("smallint", "integer", "bigint", "numeric")  # digits -> digits keeps such a value valid


@dataclass(frozen=True)
class MaskRule:
    table: TableRef
    column: str
    method: str
    reason: str  # "contract", "name", "type" (inet) or "values"


def normalized(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def name_kind(name: str) -> str | None:
    """The method a column (or JSON key) name says, by ``NAME_RULES``; None when none matches."""
    return next((m for rx, m in NAME_RULES if re.search(rx, normalized(name))), None)


def pii_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, "email"|"phone")`` of the e-mail addresses and phone numbers inside ``text``."""
    spans = [(m.start(), m.end(), "email") for m in EMAIL_TOKEN.finditer(text)]
    for m in PHONE_TOKEN.finditer(text):
        token = m.group()
        if sum(ch.isdigit() for ch in token) < 7 or _DATE_START.match(token) or _is_ip(token):
            continue
        if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
            spans.append((m.start(), m.end(), "phone"))
    return sorted(spans)


def _is_ip(token: str) -> bool:
    try:
        ipaddress.ip_address(token)
    except ValueError:
        return False
    return True


def is_json(col: ColumnInfo) -> bool:
    return col.portable_type in ("json", "jsonb")


def is_text_array(col: ColumnInfo) -> bool:
    return col.portable_type.startswith(TEXT_TYPES) and col.portable_type.endswith("]")


def fits(method: str, col: ColumnInfo) -> bool:
    """Whether ``method``'s output is a valid value of the column's (target) type."""
    pg_type = col.portable_type
    if method in ("json", "json_all"):
        return is_json(col)
    if method.endswith("[]"):
        return is_text_array(col)
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
    kept = set(keep)
    return [r for r in rules if f"{r.table}.{r.column}" not in kept]


def _method_for_tag(tag: str, column: ColumnInfo) -> str:
    """A contract says ``pii: name``; the column name says whether it is a first, last or full
    name. ``pii: address`` on an ``inet``/``cidr`` column is an IP address. On a json/jsonb
    column ``pii: free_text`` masks every string (``json_all``), any other tag masks by key
    names and value patterns (``json``); on a text array the tag masks each element (``email[]``)."""
    if is_json(column):
        return "json_all" if tag == "free_text" else "json"
    if is_text_array(column) and not tag.endswith("[]"):
        return _method_for_tag(tag, replace(column, target_type=column.portable_type[:-2])) + "[]"
    if tag == "name":
        by_name = name_kind(column.name)
        return by_name if by_name in {"first_name", "last_name"} else "name"
    if tag == "address" and column.portable_type in ("inet", "cidr"):
        return "ip"
    return tag


def _guess(conn: sa.Connection, ref: TableRef, columns: list[ColumnInfo]) -> list[MaskRule]:
    """By name (when the type can hold the mask: ``address_id integer`` is no address), inet by
    type (an IP address is personal data), the other text columns by their values."""
    found: list[MaskRule] = []
    unknown = []
    for col in columns:
        method = name_kind(col.name)
        if is_json(col):
            if method is not None:  # the column name is the document's outermost key
                found.append(MaskRule(ref, col.name, "json", "name"))
            else:
                unknown.append(col)
        elif is_text_array(col):
            if method is not None:
                found.append(MaskRule(ref, col.name, method + "[]", "name"))
            else:
                unknown.append(col)
        elif method is not None and fits(method, col):
            found.append(MaskRule(ref, col.name, method, "name"))
        elif col.portable_type == "inet":
            found.append(MaskRule(ref, col.name, "ip", "type"))
        elif col.is_text:
            unknown.append(col)
    for col in unknown:
        method = _by_values(conn, ref, col)
        if method:
            found.append(MaskRule(ref, col.name, method, "values"))
    return found


def _by_values(conn: sa.Connection, ref: TableRef, col: ColumnInfo) -> str | None:
    quote = conn.dialect.identifier_preparer.quote
    table, column = f"{quote(ref.schema)}.{quote(ref.name)}", quote(col.name)
    sample = f"SELECT {column} AS v FROM {table} WHERE {column} IS NOT NULL LIMIT {SAMPLE_VALUES}"
    if is_json(col):
        docs = [v for (v,) in conn.exec_driver_sql(f"SELECT v::text FROM ({sample}) s")]
        return "json" if any(json_has_pii(doc) for doc in docs) else None
    if is_text_array(col):
        query = (
            f"SELECT e::text FROM ({sample}) s, unnest(s.v) e WHERE e IS NOT NULL LIMIT {5 * SAMPLE_VALUES}"
        )
        method = _kind_of_values([v for (v,) in conn.exec_driver_sql(query)])
        return method + "[]" if method else None
    return _kind_of_values([v for (v,) in conn.exec_driver_sql(f"SELECT v::text FROM ({sample}) s")])


def _kind_of_values(sampled: list[str]) -> str | None:
    """Mostly e-mail addresses, mostly phone numbers, else any e-mail address inside: ``scrub``."""
    values = [v.strip() for v in sampled]
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
    return "scrub" if any(EMAIL_TOKEN.search(v) for v in values) else None


def json_has_pii(text: str) -> bool:
    """A key named like personal data anywhere in the document, or an e-mail address in a string."""
    try:
        doc = json.loads(text)
    except ValueError:
        return bool(EMAIL_TOKEN.search(text))
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(name_kind(str(k)) for k in node):
                return True
            stack += node.values()
        elif isinstance(node, list):
            stack += node
        elif isinstance(node, str) and EMAIL_TOKEN.search(node):
            return True
    return False
