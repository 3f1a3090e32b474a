"""PostgreSQL type names as ``format_type()`` prints them, and contract durations.

Contracts may use common aliases (``int8``, ``varchar(200)``, ``timestamptz``); they are
normalized here so the drift baseline compares like with like.
"""

from __future__ import annotations

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

_MODIFIED = re.compile(r"^(?P<base>[a-z ]+?)\s*\(\s*(?P<args>\d+(?:\s*,\s*-?\d+)?)\s*\)(?P<array>(\[\])*)$")
_TIMESTAMP_P = re.compile(r"^(timestamp|time)\s*\((\d)\)\s*(with|without) time zone$")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def normalize_type(spelled: str) -> str | None:
    """``varchar(200)`` -> ``character varying(200)``; None when the text is not a type name."""
    if '"' in spelled:  # format_type() quotes user-defined types with capitals: keep them as printed
        return spelled.strip()
    text = " ".join(spelled.strip().lower().split())
    if not text or not re.fullmatch(r"[a-z0-9_ ,.()\[\]]+", text):
        return None
    array = ""
    while text.endswith("[]"):
        array += "[]"
        text = text[:-2].rstrip()
    if text in _PLAIN:
        return _PLAIN[text] + array
    match = _MODIFIED.match(text)
    if match and match.group("base") in _WITH_MODIFIER:
        args = ",".join(part.strip() for part in match.group("args").split(","))
        return f"{_WITH_MODIFIER[match.group('base')]}({args}){array}"
    if _TIMESTAMP_P.match(text):
        return text + array
    if re.fullmatch(r"([a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*( [a-z_][a-z0-9_]*)*", text):
        return text + array  # uuid, text, date, jsonb, interval, user-defined enums, ...
    return None


def parse_duration(text: str) -> int | None:
    """``36h`` -> 129600 seconds; None when malformed."""
    match = _DURATION.match(text)
    if not match:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def is_text_type(pg_type: str) -> bool:
    return pg_type == "text" or pg_type.startswith(("character", "citext"))


def is_numeric_type(pg_type: str) -> bool:
    return pg_type in {"smallint", "integer", "bigint", "real", "double precision"} or pg_type.startswith(
        "numeric"
    )


def is_temporal_type(pg_type: str) -> bool:
    return pg_type == "date" or pg_type.startswith(("timestamp", "time "))
