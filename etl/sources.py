"""The raw sources: their CSV columns, how each value is typed and checked in SQL, and the staging
table they load.

Columns here are in the staging table's order; a raw file's header may list them in any order.
Each field kind renders, for a trimmed text value ``v`` (an SQL expression), the checks that
reject it, in order, each with its reason code and the SQL of its reason, and the SQL of the
typed value. Typing is strict: a value is loaded only when it means exactly one thing.
Every piece of SQL here is built from these constants; values reach SQL only as columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from etl.errors import EtlInputError

ORDER_STATUSES = ("PLACED", "PAID", "SHIPPED", "CANCELLED")
LINEAGE_COLUMNS = ("run_date", "source_file", "source_line", "loaded_at")
_WORD = re.compile(r"[A-Za-z0-9_ (),.:>=-]*")


def literal(text: str) -> str:
    """An SQL string literal of a code constant."""
    if not _WORD.fullmatch(text):
        raise ValueError(f"not a plain constant: {text!r}")
    return f"'{text}'"


@dataclass(frozen=True)
class Check:
    code: str  # the reason code
    fails: str  # SQL: true when the (non-empty, trimmed) value fails this check
    message: str  # SQL text: the reason without the leading "column: "


class Kind(Protocol):
    """How a non-empty trimmed raw value ``v`` (an SQL expression) is checked and typed."""

    def checks(self, v: str) -> list[Check]: ...

    def typed(self, v: str) -> str: ...


def _valid(v: str, type_name: str) -> str:
    return f"audit.input_is_valid({v}, {literal(type_name)})"


class BigInt:
    """``-?digits`` within bigint; a value PostgreSQL prints back unchanged needs no regular
    expression (they are slow in PostgreSQL), only one with leading zeros or ``-0`` does."""

    def checks(self, v: str) -> list[Check]:
        printed_back = f"CASE WHEN {_valid(v, 'bigint')} THEN {v}::bigint::text = {v} ELSE false END"
        return [
            Check(
                "bad_integer",
                f"NOT ({printed_back} OR {v} ~ '^-?[0-9]+$')",
                f"audit.shown({v}) || ' is not a whole number'",
            ),
            Check(
                "out_of_range", f"NOT {_valid(v, 'bigint')}", f"{v}::numeric::text || ' does not fit bigint'"
            ),
        ]

    def typed(self, v: str) -> str:
        return f"{v}::bigint"


@dataclass(frozen=True)
class Decimal:
    """numeric(precision, scale); ``minimum`` ``>=0`` or ``>0`` with its own reason code."""

    precision: int
    scale: int
    minimum: str | None = None
    min_code: str = "out_of_range"

    @property
    def type_name(self) -> str:
        return f"numeric({self.precision},{self.scale})"

    def checks(self, v: str) -> list[Check]:
        places = literal(f" has more than {self.scale} decimal places ({self.type_name})")
        # cheap tests first: few enough digits after the point, no minus sign
        digits_ok = f"strpos({v}, '.') = 0 OR length({v}) - strpos({v}, '.') <= {self.scale}"
        checks = [
            Check(
                "bad_decimal",
                rf"{v} !~ '^-?[0-9]+(\.[0-9]+)?$'",
                f"audit.shown({v}) || ' is not a decimal number'",
            ),
            Check(
                "bad_decimal",
                f"NOT ({digits_ok} OR {v}::numeric = round({v}::numeric, {self.scale}))",
                f"{v} || {places}",
            ),
            Check(
                "out_of_range", f"NOT {_valid(v, self.type_name)}", f"{v} || ' does not fit {self.type_name}'"
            ),
        ]
        if self.minimum == ">=0":
            checks.append(
                Check(
                    self.min_code,
                    f"{v} LIKE '-%' AND {v}::numeric < 0",
                    f"{v} || ' is negative (must be >= 0)'",
                )
            )
        elif self.minimum == ">0":
            checks.append(Check(self.min_code, f"{v}::numeric <= 0", f"{v} || ' is not greater than 0'"))
        return checks

    def typed(self, v: str) -> str:
        return f"{v}::{self.type_name}"


class Date:
    """``YYYY-MM-DD`` and a real date: exactly the strings PostgreSQL prints back unchanged
    (the ingest sets DateStyle ISO), which covers the digits, the year 0001-9999 and the calendar."""

    def checks(self, v: str) -> list[Check]:
        message = f"audit.shown({v}) || ' is not a date (YYYY-MM-DD)'"
        return [
            Check("bad_date", f"length({v}) <> 10", message),
            Check("bad_date", f"NOT {_valid(v, 'date')}", message),
            Check("bad_date", f"{v}::date::text <> {v}", message),
        ]

    def typed(self, v: str) -> str:
        return f"{v}::date"


# ISO 8601: date, T or blank, HH:MM[:SS[.ffffff]], an optional Z or +-HH[[:]MM] offset.
_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$"
)


class Timestamp:
    """An ISO 8601 date and time; without an offset it is UTC (the ingest sets TimeZone UTC).

    A regular expression is slow in PostgreSQL, so a UTC value (``Z``, ``+00:00``, ``+00`` or
    none) that PostgreSQL prints back as itself (blank for ``T``, ``+00`` for the offset) is
    accepted without one; anything else must match the format and be a valid timestamptz.
    """

    def checks(self, v: str) -> list[Check]:
        as_utc = (
            f"CASE WHEN {v} LIKE '%+00:00' THEN left(replace({v}, 'T', ' '), -3)"
            f" WHEN {v} LIKE '%Z' THEN left(replace({v}, 'T', ' '), -1) || '+00'"
            f" WHEN {v} LIKE '%+00' THEN replace({v}, 'T', ' ')"
            f" ELSE replace({v}, 'T', ' ') || '+00' END"
        )
        printed_back = f"substr({v}, 5, 1) = '-' AND {as_utc} = {v}::timestamptz::text"
        matches = f"{v} ~ '{_TIMESTAMP}'"
        ok = f"CASE WHEN {_valid(v, 'timestamptz')} THEN ({printed_back} OR {matches}) ELSE false END"
        message = f"audit.shown({v}) || ' is not a timestamp (YYYY-MM-DDTHH:MM:SS[+HH:MM])'"
        return [Check("bad_timestamp", f"NOT {ok}", message)]

    def typed(self, v: str) -> str:
        return f"{v}::timestamptz"


def _upper(v: str) -> str:
    return f'upper({v} COLLATE "C")'  # ASCII only, whatever the database's collation


@dataclass(frozen=True)
class OneOf:
    """Upper-cased and one of ``values``."""

    values: tuple[str, ...]
    code: str
    what: str

    def checks(self, v: str) -> list[Check]:
        allowed = ", ".join(literal(x) for x in self.values)
        expected = literal(f" (expected one of {', '.join(sorted(self.values))})")
        message = f"{literal(f'unknown {self.what} ')} || audit.shown({v}) || {expected}"
        return [Check(self.code, f"{_upper(v)} NOT IN ({allowed})", message)]

    def typed(self, v: str) -> str:
        return _upper(v)


@dataclass(frozen=True)
class Code:
    """An upper-cased letter code such as a currency (3) or a country (2)."""

    length: int
    code: str
    what: str

    def checks(self, v: str) -> list[Check]:
        message = f"audit.shown({v}) || ' is not a {self.length}-letter {self.what} code'"
        return [Check(self.code, f"{v} !~ '^[A-Za-z]{{{self.length}}}$'", message)]

    def typed(self, v: str) -> str:
        return _upper(v)


@dataclass(frozen=True)
class Text:
    """Free text; its value is checked for blanks at its edges (see ``Source.checks``)."""

    max_length: int | None = None

    def checks(self, v: str) -> list[Check]:
        if self.max_length is None:
            return []
        message = f"length({v})::text || ' characters, at most {self.max_length} allowed'"
        return [Check("too_long", f"length({v}) > {self.max_length}", message)]

    def typed(self, v: str) -> str:
        return v


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = True


@dataclass(frozen=True)
class Source:
    name: str  # the raw landing source: s3://<bucket>/raw/<name>/run_date=D/*.csv
    fields: tuple[Field, ...]

    @property
    def table(self) -> str:
        return f"staging.{self.name}"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def header_index(self, header: Sequence[str], file_uri: str) -> list[int]:
        """Position of each of our columns in the file's header; the header must name exactly them."""
        names = [h.strip().lower() for h in header]
        expected = ",".join(self.columns)
        problems = []
        if missing := [c for c in self.columns if c not in names]:
            problems.append(f"lacks {', '.join(missing)}")
        if extra := [n for n in names if n not in self.columns]:
            problems.append(f"has unexpected {', '.join(repr(n) for n in extra)}")
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"repeats {', '.join(dupes)}")
        if problems:
            raise EtlInputError(
                f"{file_uri}:1: header {'; '.join(problems)} (expected {expected})",
                f"fix the {self.name} extract so its header is {expected}",
            )
        return [names.index(c) for c in self.columns]

    def checks(self, values: Sequence[str], raw: bool = False) -> list[tuple[Field, Check]]:
        """Every check of a record in order, the first failing one wins: per column, in column
        order, an empty required value first. ``values`` are the SQL of the trimmed values.

        ``raw``: the checks of the untrimmed values instead, plus, for text, that it has no
        blanks at its edges. Every other check rejects such a value, so a record that passes
        them all needs no trimming: only the others are trimmed and checked again.
        """
        checks: list[tuple[Field, Check]] = []
        for field, v in ((f, values[i]) for i, f in enumerate(self.fields)):
            if field.required and not raw:  # raw: every other check rejects '' too
                checks.append((field, Check("missing_value", f"{v} = ''", "'required value is empty'")))
            kind_checks = field.kind.checks(v)
            if raw and isinstance(field.kind, Text):
                kind_checks.insert(0, Check("", f"NOT audit.is_stripped({v})", ""))
            for check in kind_checks:
                fails = check.fails if field.required else f"({v} <> '' AND {check.fails})"
                checks.append((field, Check(check.code, fails, check.message)))
        return checks

    def typed(self, values: Sequence[str]) -> list[str]:
        """The SQL of each typed staging value (an empty optional value is NULL)."""
        return [
            field.kind.typed(v if field.required else f"NULLIF({v}, '')")
            for field, v in ((f, values[i]) for i, f in enumerate(self.fields))
        ]


ORDERS = Source(
    "orders",
    (
        Field("order_id", BigInt()),
        Field("customer_id", BigInt()),
        Field("status", OneOf(ORDER_STATUSES, "unknown_status", "status")),
        Field("amount", Decimal(18, 2, ">=0", "negative_amount")),
        Field("currency", Code(3, "bad_currency", "currency")),
        Field("order_date", Date()),
        Field("event_ts", Timestamp()),
    ),
)

CUSTOMERS = Source(
    "customers",
    (
        Field("customer_id", BigInt()),
        Field("email", Text(254)),
        Field("full_name", Text(200)),
        Field("phone", Text(32), required=False),
        Field("country", Code(2, "bad_country", "country")),
        Field("segment", Text(32), required=False),
        Field("updated_at", Timestamp()),
    ),
)

FX_RATES = Source(
    "fx_rates",
    (
        Field("as_of_date", Date()),
        Field("currency", Code(3, "bad_currency", "currency")),
        Field("rate_to_usd", Decimal(18, 8, ">0", "nonpositive_rate")),
    ),
)

SOURCES: tuple[Source, ...] = (ORDERS, CUSTOMERS, FX_RATES)
