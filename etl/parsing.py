"""Raw CSV bytes -> records with line numbers and raw text -> typed values or a precise reason.

Typing is strict: a value is loaded only when it means exactly one thing. Every value is
returned as the text PostgreSQL's COPY reads back as the same value (None for NULL).

Like all of etl/, this runs on Glue's Python 3.9: no 3.10+ library calls (datetime.UTC,
zip(strict=...)) and no ``X | Y`` outside annotations.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
)
_BIGINT_MAX = 2**63 - 1


class FieldError(Exception):
    """Why a record cannot be loaded: a stable ``code``, the column (if one) and a message."""

    def __init__(self, code: str, message: str, column: str | None = None) -> None:
        self.code = code
        self.column = column
        self.message = message
        super().__init__(message)

    @property
    def reason(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


Parser = Callable[[str], str]


def _shown(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")


def bigint(text: str) -> str:
    if not _INTEGER.fullmatch(text):
        raise FieldError("bad_integer", f"{_shown(text)} is not a whole number")
    value = int(text)
    if not -_BIGINT_MAX - 1 <= value <= _BIGINT_MAX:
        raise FieldError("out_of_range", f"{value} does not fit bigint")
    return str(value)


def decimal(precision: int, scale: int, minimum: str | None = None, min_code: str = "out_of_range") -> Parser:
    """numeric(precision, scale); ``minimum`` like ``>=0`` or ``>0`` with its own reason code."""

    def parse(text: str) -> str:
        match = _DECIMAL.fullmatch(text)
        if not match:
            raise FieldError("bad_decimal", f"{_shown(text)} is not a decimal number")
        sign, whole, fraction = match.group(1), match.group(2).lstrip("0"), (match.group(3) or "").rstrip("0")
        if len(fraction) > scale:
            raise FieldError(
                "bad_decimal", f"{text} has more than {scale} decimal places (numeric({precision},{scale}))"
            )
        if len(whole) > precision - scale:
            raise FieldError("out_of_range", f"{text} does not fit numeric({precision},{scale})")
        is_zero = not whole and not fraction
        if minimum == ">=0" and sign and not is_zero:
            raise FieldError(min_code, f"{text} is negative (must be >= 0)")
        if minimum == ">0" and (sign or is_zero):
            raise FieldError(min_code, f"{text} is not greater than 0")
        return text

    return parse


def iso_date(text: str) -> str:
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise FieldError("bad_date", f"{_shown(text)} is not a date (YYYY-MM-DD)")


def timestamp_tz(text: str) -> str:
    """ISO 8601 date and time; without an offset it is taken as UTC."""
    try:
        if _TIMESTAMP.fullmatch(text):
            value = datetime.fromisoformat(text)
            aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)  # noqa: UP017 (Python 3.9)
            return aware.isoformat()
    except ValueError:
        pass
    raise FieldError("bad_timestamp", f"{_shown(text)} is not a timestamp (YYYY-MM-DDTHH:MM:SS[+HH:MM])")


def one_of(values: Iterable[str], code: str, what: str) -> Parser:
    """Upper-cased, trimmed (already) and in ``values``."""
    allowed = frozenset(values)
    shown = ", ".join(sorted(allowed))

    def parse(text: str) -> str:
        value = text.upper()
        if value not in allowed:
            raise FieldError(code, f"unknown {what} {_shown(text)} (expected one of {shown})")
        return value

    return parse


def code(length: int, reason_code: str, what: str) -> Parser:
    """An upper-case letter code such as a currency (3) or a country (2)."""
    pattern = re.compile(f"[A-Z]{{{length}}}")

    def parse(text: str) -> str:
        value = text.upper()
        if not pattern.fullmatch(value):
            raise FieldError(reason_code, f"{_shown(text)} is not a {length}-letter {what} code")
        return value

    return parse


def text(max_length: int | None = None) -> Parser:
    def parse(value: str) -> str:
        if max_length is not None and len(value) > max_length:
            raise FieldError("too_long", f"{len(value)} characters, at most {max_length} allowed")
        return value

    return parse


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One CSV record: the physical line it starts on, its raw text, and its fields or why not."""

    line_no: int
    raw: str
    fields: list[str]
    error: FieldError | None = None


class _Lines:
    """Feeds decoded lines to the csv module and remembers what the current record consumed."""

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = iter(lines)
        self.line_no = 0
        self.consumed: list[str] = []
        self.encoding_error: str | None = None

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = next(self._lines)
        self.line_no += 1
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            decoded = raw.decode("utf-8", errors="replace")
            if self.encoding_error is None:
                self.encoding_error = f"invalid UTF-8 at byte {exc.start + 1} of line {self.line_no}"
        if self.line_no == 1:
            decoded = decoded.removeprefix("\ufeff")
        self.consumed.append(decoded)
        return decoded

    def take(self) -> tuple[str, str | None]:
        raw = "".join(self.consumed)
        raw = raw[:-1] if raw.endswith("\n") else raw
        raw = raw[:-1] if raw.endswith("\r") else raw
        error, self.encoding_error, self.consumed = self.encoding_error, None, []
        return raw.replace("\x00", "\ufffd"), error  # PostgreSQL text cannot hold NUL


def read_records(lines: Iterable[bytes]) -> Iterator[Record]:
    """Records of a CSV file, header included, each with its first line number and raw text."""
    feed = _Lines(lines)
    reader = csv.reader(feed, strict=True)
    while True:
        first_line = feed.line_no + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raw, _ = feed.take()
            span = (
                f"line {first_line}" if feed.line_no <= first_line else f"lines {first_line}-{feed.line_no}"
            )
            yield Record(first_line, raw, [], FieldError("malformed_csv", f"malformed CSV at {span}: {exc}"))
            continue
        raw, encoding_error = feed.take()
        if encoding_error:
            yield Record(first_line, raw, fields, FieldError("bad_encoding", encoding_error))
        elif any("\x00" in f for f in fields):
            yield Record(first_line, raw, fields, FieldError("bad_encoding", "NUL character in the record"))
        else:
            yield Record(first_line, raw, fields)
