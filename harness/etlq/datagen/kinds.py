"""PostgreSQL types beyond the ETL's own: which kind of value a type takes, and the vectorized
draws for json, bytea, inet/cidr, interval, time and arrays, written as PostgreSQL reads them
(``COPY ... CSV``: ``\\x0a1b`` for bytea, ``{"a","b"}`` for arrays, ``10.1.2.3`` for inet).

A type not listed here (an extension type, a user type nobody described) has no kind: plan
refuses it with a one-line fix, unless the contract gives ``accepted`` values or ``x-datagen``
says what it is made of (see docs/testdata.md).
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Kind = Literal[
    "int",
    "decimal",
    "float",
    "bool",
    "date",
    "timestamp",
    "text",
    "uuid",
    "json",
    "bytea",
    "inet",
    "cidr",
    "interval",
    "time",
    "array",
]
INT_MAX = {"smallint": 2**15 - 1, "integer": 2**31 - 1, "bigint": 2**63 - 1}
_TEXT = re.compile(r"^(text|citext|name|character varying|character|bpchar|varchar|char)(\(\d+\))?$")
_NUMERIC = re.compile(r"^numeric(?:\((\d+)(?:,(-?\d+))?\))?$")


def kind_of(pg_type: str) -> tuple[Kind, int, int] | None:
    """(kind, precision, scale) of a built-in scalar type; None when datagen does not know it."""
    if pg_type in INT_MAX:
        return "int", 18, 0
    match = _NUMERIC.match(pg_type)
    if match:
        precision = int(match.group(1)) if match.group(1) else 18
        return "decimal", precision, int(match.group(2) or 0) if match.group(1) else 2
    if pg_type == "money":
        return "decimal", 18, 2
    if pg_type in {"real", "double precision"}:
        return "float", 18, 0
    simple: dict[str, Kind] = {
        "boolean": "bool",
        "date": "date",
        "uuid": "uuid",
        "json": "json",
        "jsonb": "json",
        "bytea": "bytea",
        "inet": "inet",
        "cidr": "cidr",
    }
    if pg_type in simple:
        return simple[pg_type], 0, 0
    if pg_type.startswith("timestamp"):
        return "timestamp", 0, 0
    if pg_type.startswith("interval"):
        return "interval", 0, 0
    if pg_type.startswith("time"):
        return "time", 0, 0
    if _TEXT.match(pg_type):
        return "text", 0, 0
    return None


def element_type(pg_type: str) -> str:
    """``character varying(12)[]`` -> ``character varying(12)``."""
    while pg_type.endswith("[]"):
        pg_type = pg_type[:-2]
    return pg_type


def json_values(rng: np.random.Generator, n: int) -> pa.Array:
    """Small JSON objects: ``{"n": 417, "flag": true}``."""
    numbers = pc.cast(pa.array(rng.integers(0, 10_000, n)), pa.string())
    flags = pc.if_else(pa.array(rng.random(n) < 0.5), "true", "false")
    return pc.binary_join_element_wise('{"n": ', numbers, ', "flag": ', flags, "}", "")


def bytea_values(rng: np.random.Generator, n: int) -> pa.Array:
    """Hex-format bytea of 4-12 random bytes: ``\\x0a1bff00``."""
    lengths = rng.integers(4, 13, n)
    raw = rng.integers(0, 256, int(lengths.sum()), dtype=np.uint8).tobytes().hex()
    ends = np.cumsum(lengths) * 2
    starts = ends - lengths * 2
    return pa.array(["\\x" + raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)])


def inet_values(rng: np.random.Generator, n: int, network: bool) -> pa.Array:
    """Private IPv4 addresses (``10.a.b.c``) or /24 networks (``10.a.b.0/24``, no host bits)."""
    octets = [pc.cast(pa.array(rng.integers(0, 256, n)), pa.string()) for _ in range(2)]
    last = pa.array(["0/24"] * n) if network else pc.cast(pa.array(rng.integers(1, 255, n)), pa.string())
    return pc.binary_join_element_wise("10", *octets, last, ".")


def interval_values(rng: np.random.Generator, n: int) -> pa.Array:
    """Whole minutes up to a week: ``95 minutes`` (fits ``interval(0)`` and field-restricted ones)."""
    return pc.binary_join_element_wise(
        pc.cast(pa.array(rng.integers(1, 7 * 24 * 60, n)), pa.string()), "minutes", " "
    )


def time_values(rng: np.random.Generator, n: int, tz: bool) -> pa.Array:
    """Whole seconds of a day, ``HH:MM:SS`` (``+00`` appended for ``time with time zone``)."""
    text = pc.cast(pa.array(rng.integers(0, 86_400, n).astype(np.int32), type=pa.time32("s")), pa.string())
    return pc.binary_join_element_wise(text, "+00", "") if tz else text


def array_literal(elements: pa.Array, counts: np.ndarray) -> pa.Array:
    """Rows of ``counts[i]`` consecutive ``elements`` -> ``{"a","b"}`` (every element quoted)."""
    quoted = pc.binary_join_element_wise(
        '"', pc.replace_substring(pc.replace_substring(elements, "\\", "\\\\"), '"', '\\"'), '"', ""
    )
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), quoted)
    return pc.binary_join_element_wise("{", pc.binary_join(lists, ","), "}", "")
