"""PostgreSQL type names as ``format_type()`` prints them, and contract durations.

Contracts may use common aliases (``int8``, ``varchar(200)``, ``timestamptz``); they are
normalized here so the drift baseline compares like with like.
"""

from __future__ import annotations

import difflib
import re

# alias -> format_type() spelling, for types without a modifier
_PLAIN: dict[str, str] = {
    "int": "integer",
    "int4": "integer",
    "integer": "integer",
    "serial": "integer",
    "serial4": "integer",
    "int8": "bigint",
    "bigint": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "int2": "smallint",
    "smallint": "smallint",
    "smallserial": "smallint",
    "float8": "double precision",
    "float": "double precision",
    "double": "double precision",
    "double precision": "double precision",
    "float4": "real",
    "real": "real",
    "bool": "boolean",
    "boolean": "boolean",
    "decimal": "numeric",
    "numeric": "numeric",
    "varchar": "character varying",
    "character varying": "character varying",
    "char": "character(1)",
    "character": "character(1)",
    "bpchar": "character(1)",
    "timestamptz": "timestamp with time zone",
    "timestamp with time zone": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
    "timestamp without time zone": "timestamp without time zone",
    "timetz": "time with time zone",
    "time with time zone": "time with time zone",
    "time": "time without time zone",
    "time without time zone": "time without time zone",
}

# alias -> format_type() spelling, for types that take (n) or (p,s)
_WITH_MODIFIER: dict[str, str] = {
    "varchar": "character varying",
    "character varying": "character varying",
    "char": "character",
    "character": "character",
    "bpchar": "character",
    "decimal": "numeric",
    "numeric": "numeric",
    "bit": "bit",
    "varbit": "bit varying",
    "bit varying": "bit varying",
}

_MODIFIED = re.compile(r"^(?P<base>[a-z ]+?)\s*\(\s*(?P<args>\d+(?:\s*,\s*-?\d+)?)\s*\)$")
_TIMESTAMP_P = re.compile(
    r"^(?P<base>timestamptz|timestamp|timetz|time)\s*\(\s*(?P<p>\d)\s*\)"
    r"(?:\s*(?P<tz>with|without) time zone)?$"
)
# anything else format_type() prints: uuid, jsonb, inet, interval(0), interval second(3), enums,
# domains (schema-qualified when not on the search_path), extension types like geometry(Point,4326)
_OTHER = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?(?: [a-z_][a-z0-9_]*)*)"
    r"(?:\s*\((?P<args>[a-z0-9_ ,\-]*)\)(?P<tail>(?: [a-z_][a-z0-9_]*)*))?$",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def normalize_type(spelled: str) -> str | None:
    """``varchar(200)`` -> ``character varying(200)``; None when the text is not a type name.

    Every spelling ``format_type()`` prints normalizes to itself, so a drafted contract loads.
    """
    if '"' in spelled:  # format_type() quotes user-defined types with capitals: keep them as printed
        return spelled.strip()
    original = " ".join(spelled.split())
    array = ""
    while original.endswith("[]"):
        array += "[]"
        original = original[:-2].rstrip()
    text = original.lower()
    if text in _PLAIN:
        return _PLAIN[text] + array
    match = _MODIFIED.match(text)
    if match and match.group("base") in _WITH_MODIFIER:
        args = ",".join(part.strip() for part in match.group("args").split(","))
        return f"{_WITH_MODIFIER[match.group('base')]}({args}){array}"
    match = _TIMESTAMP_P.match(text)
    if match:
        base = {"timestamptz": "timestamp", "timetz": "time"}.get(match.group("base"), match.group("base"))
        zoned = match.group("tz") == "with" or match.group("base") in ("timestamptz", "timetz")
        return f"{base}({match.group('p')}) with{'' if zoned else 'out'} time zone{array}"
    match = _OTHER.match(original)
    if match:
        name = match.group("name").lower()
        if match.group("args") is None:
            return name + array
        # a type modifier is the type's own text (PostGIS: Point,4326): keep its case
        args = ",".join(part.strip() for part in match.group("args").split(","))
        return f"{name}({args}){(match.group('tail') or '').lower()}{array}"
    return None


# PostgreSQL's built-in types as format_type() prints them, without modifiers or array brackets
# (tests/contracts/test_types.py checks each with to_regtype() on the embedded server).
BUILTIN_TYPES = frozenset(
    {
        *(t for t in _PLAIN.values() if "(" not in t),
        *_WITH_MODIFIER.values(),
        "text",
        "date",
        "interval",
        "uuid",
        "json",
        "jsonb",
        "jsonpath",
        "xml",
        "bytea",
        "money",
        "inet",
        "cidr",
        "macaddr",
        "macaddr8",
        "point",
        "line",
        "lseg",
        "box",
        "path",
        "polygon",
        "circle",
        "tsvector",
        "tsquery",
        "oid",
        "name",
        "regclass",
        "regtype",
        "pg_lsn",
        "int4range",
        "int8range",
        "numrange",
        "daterange",
        "tsrange",
        "tstzrange",
        "int4multirange",
        "int8multirange",
        "nummultirange",
        "datemultirange",
        "tsmultirange",
        "tstzmultirange",
    }
)
# types of common extensions, named unqualified as format_type() prints them on the search path
_EXTENSION_TYPES = frozenset(
    {"citext", "hstore", "ltree", "geometry", "geography", "vector", "halfvec", "cube"}
)
# built-in types that take a modifier: (n), (p,s), (p)
_MODIFIABLE = (
    "character",
    "character varying",
    "numeric",
    "bit",
    "bit varying",
    "time",
    "timestamp",
    "interval",
)
_SPELLINGS = sorted(BUILTIN_TYPES | _EXTENSION_TYPES | set(_PLAIN) | set(_WITH_MODIFIER))


def type_mistake(pg_type: str) -> str | None:
    """What is certainly wrong with a normalized type name, without a database: a misspelt
    built-in (``bigintt``) or a modifier on a built-in that takes none (``money(12)``).

    Any other name may be the database's own (an enum, a domain, an extension's type): drift
    compares it with the live column. Schema-qualified or quoted names are never guessed at.
    """
    name = pg_type.rstrip("[]")
    if '"' in name or "." in name.split("(")[0]:
        return None
    base, paren, rest = name.partition("(")
    tail = rest.partition(")")[2].strip()
    full = " ".join(part for part in (base.strip(), tail) if part)
    if full in BUILTIN_TYPES or full.startswith("interval"):
        if paren and not base.strip().startswith(_MODIFIABLE):
            return f"type {full!r} takes no modifier such as ({rest.partition(')')[0]}): write {full!r}"
        return None
    if full in _EXTENSION_TYPES:
        return None
    hint = difflib.get_close_matches(full, _SPELLINGS, n=1, cutoff=0.8)
    if hint:
        return (
            f"unknown type {full!r} (did you mean {hint[0]!r}? if it is the database's own type,"
            f" write it schema-qualified, e.g. 'public.{full}')"
        )
    return None


def parse_duration(text: str) -> int | None:
    """``36h`` -> 129600 seconds; None when malformed."""
    match = _DURATION.match(text)
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def is_array_type(pg_type: str) -> bool:
    """``text[]``, ``character varying(12)[]``, ``"Sales"."Mood"[]``: one value holds many."""
    return pg_type.endswith("]")


def is_text_type(pg_type: str) -> bool:
    return not is_array_type(pg_type) and (pg_type == "text" or pg_type.startswith(("character", "citext")))


def is_numeric_type(pg_type: str) -> bool:
    if is_array_type(pg_type):
        return False
    return pg_type in {"smallint", "integer", "bigint", "real", "double precision"} or pg_type.startswith(
        "numeric"
    )


def is_temporal_type(pg_type: str) -> bool:
    if is_array_type(pg_type):
        return False
    return pg_type == "date" or pg_type.startswith(("timestamp", "time ", "time("))
