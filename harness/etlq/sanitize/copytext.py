"""PostgreSQL's COPY text format, one field at a time: ``\\N`` is NULL, backslash escapes the rest.

Text format (not CSV) because it tells NULL from an empty string unambiguously, and lets
unmasked fields pass through as raw bytes without being decoded at all.
"""

from __future__ import annotations

import re

NULL = b"\\N"
_SIMPLE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.DOTALL)
_TO_ESCAPE = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def decode(field: bytes) -> str | None:
    if field == NULL:
        return None
    text = field.decode("utf-8")
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_unescape, text)


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] == "x" and len(code) > 1:
        return chr(int(code[1:], 16))
    if code.isdigit() and code[0] in "01234567" and all(c in "01234567" for c in code):
        return chr(int(code, 8))
    return _SIMPLE.get(code, code)


def encode(value: str | None) -> bytes:
    if value is None:
        return NULL
    for raw, escaped in _TO_ESCAPE.items():
        value = value.replace(raw, escaped) if raw in value else value
    return value.encode("utf-8")


def split_line(line: bytes) -> list[bytes]:
    """A COPY text line (without its newline) -> raw fields; tabs inside values are escaped."""
    return line.split(b"\t")
