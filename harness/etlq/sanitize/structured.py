"""Masking personal data inside values with structure: json/jsonb documents, text arrays, and
e-mail addresses or phone numbers inside free text.

Every function returns the masked text and the *residual*: the parts of the output that were
left as they were (JSON keys, strings and numbers nobody masked, free text around a replaced
address), which the leak scan still reads. What was masked is not scanned: it is HMAC output.

- ``scrub``: every e-mail address and phone number inside the text is replaced by its mask
  (an address masks exactly as in an ``email`` column), the rest is kept.
- ``json``: string leaves are masked by the nearest key named like personal data (the
  column's own name counts as the outermost key), by the same ``NAME_RULES`` as columns: under
  ``name`` a ``first``/``given`` key is a first name, ``last``/``family``/``surname`` a last
  name; integers of 4+ digits under such a key get other digits. Other strings are scrubbed.
  ``json_all``: as ``json``, and every other string is masked as ``free_text`` too. Structure,
  key order, numbers, booleans and nulls are kept; a document nothing was masked in is written
  byte for byte as it came.
- ``<method>[]``: each element of a text array masked by ``<method>``; NULL elements stay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from etlq.sanitize.mask import Masker
from etlq.sanitize.pii import name_kind, normalized, pii_spans

Masked = tuple[str, list[str] | None]  # (output, residual texts to scan; None: nothing left unmasked)
_FIRST = ("first", "given", "fore", "middle")
_LAST = ("last", "family", "sur")
_NO_NUMBER = ("date", "free_text")  # kinds whose numbers stay numbers as they were


def mask_field(
    masker: Masker, method: str, value: str, entity: str = "", limit: int | None = None, column: str = ""
) -> Masked:
    """Mask one value by a structured method (``pii.STRUCTURED`` or ``<method>[]``)."""
    if method in ("json", "json_all"):
        return mask_json(masker, value, name_kind(column), method == "json_all", entity)
    if method.endswith("[]"):
        return mask_array(masker, method[:-2], value, entity, limit)
    return mask_text(masker, method, value, entity, limit)


def mask_text(masker: Masker, method: str, value: str, entity: str = "", limit: int | None = None) -> Masked:
    if method == "scrub":
        masked, residual = scrub(masker, value)
        return (masked[:limit] if limit else masked), [residual]
    return masker.mask(method, value, entity if method == "date" else "", limit), None


def scrub(masker: Masker, text: str) -> tuple[str, str]:
    """``text`` with every e-mail address and phone number masked; and the text without them."""
    out, rest, at = [], [], 0
    for start, end, kind in pii_spans(text):
        out += [text[at:start], masker.mask(kind, text[start:end])]
        rest += [text[at:start], " "]
        at = end
    out.append(text[at:])
    rest.append(text[at:])
    return "".join(out), "".join(rest)


# --- json -------------------------------------------------------------------------------------


class _Number(str):
    """A JSON number as written: 1.10 stays 1.10, 12345678901234567890 stays exact."""


class _Object(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs, in order, duplicates kept (json keeps them)."""


def parse_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_Object, parse_float=_Number, parse_int=_Number)


def dump_json(node: Any) -> str:
    """As PostgreSQL prints jsonb: ``{"a": 1, "b": [true, null]}``."""
    if isinstance(node, _Object):
        return "{" + ", ".join(f"{_string(k)}: {dump_json(v)}" for k, v in node) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(dump_json(v) for v in node) + "]"
    if isinstance(node, _Number):
        return str.__str__(node)
    if isinstance(node, str):
        return _string(node)
    return json.dumps(node)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def json_texts(text: str) -> Iterator[str]:
    """Every key, string and number of a document (the leak scan of an unmasked json column)."""
    try:
        doc = parse_json(text)
    except ValueError:
        yield text
        return
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, _Object):
            for k, v in node:
                yield k
                stack.append(v)
        elif isinstance(node, list):
            stack += node
        elif isinstance(node, str):
            yield node


def _child_kind(key: str, inherited: str | None) -> str | None:
    own = name_kind(key)
    if own is not None:
        return own
    if inherited in ("name", "first_name", "last_name"):
        n = normalized(key)
        if n.startswith(_FIRST):
            return "first_name"
        if n.startswith(_LAST):
            return "last_name"
    return inherited


def mask_json(masker: Masker, text: str, root: str | None, every_string: bool, entity: str = "") -> Masked:
    """A document with its personal strings masked (see the module doc); ``root`` is the kind
    the column's name says (the outermost key)."""
    try:
        doc = parse_json(text)
    except ValueError:  # not JSON after all: treat it as free text
        masked, rest = scrub(masker, text)
        return masked, [rest]
    residual: list[str] = []
    changed = [False]

    def walk(node: Any, kind: str | None) -> Any:
        if isinstance(node, _Object):
            residual.extend(k for k, _ in node)
            return _Object((k, walk(v, _child_kind(k, kind))) for k, v in node)
        if isinstance(node, list):
            return [walk(v, kind) for v in node]
        if isinstance(node, _Number):
            return _number(node, kind)
        if isinstance(node, str) and node.strip():
            out = _leaf(node, kind)
            changed[0] |= out != node
            return out
        return node

    def _number(node: _Number, kind: str | None) -> Any:
        digits = node.lstrip("-")
        if kind is None or kind in _NO_NUMBER or not digits.isdigit() or len(digits) < 4:
            residual.append(node)
            return node
        masked = masker.mask("id", digits)
        masked = masked if masked[0] != "0" else "1" + masked[1:]
        changed[0] = True
        return _Number(node[: len(node) - len(digits)] + masked)

    def _leaf(node: str, kind: str | None) -> str:
        if kind is None and every_string:
            kind = "free_text"
        if kind is not None:
            return masker.mask(kind, node, entity if kind == "date" else "")
        masked, rest = scrub(masker, node)
        residual.append(rest)
        return masked

    out = walk(doc, root)
    return (dump_json(out) if changed[0] else text), residual


# --- arrays -----------------------------------------------------------------------------------

Elements = list[Any]  # str | None | nested Elements


def parse_array(text: str) -> tuple[str, Elements]:
    """PostgreSQL's array text (``{a,"b c",NULL}``, nested, with ``[1:2]=`` bounds) -> (bounds, elements)."""
    bounds = ""
    if text.startswith("["):
        bounds, text = text.split("=", 1)
        bounds += "="

    def level(i: int) -> tuple[Elements, int]:
        items: Elements = []
        i += 1  # past "{"
        if text[i] == "}":
            return items, i + 1
        while True:
            if text[i] == "{":
                sub, i = level(i)
                items.append(sub)
            elif text[i] == '"':
                buf, i = [], i + 1
                while text[i] != '"':
                    if text[i] == "\\":
                        i += 1
                    buf.append(text[i])
                    i += 1
                items.append("".join(buf))
                i += 1
            else:
                j = i
                while text[j] not in ",}":
                    j += 1
                raw = text[i:j].strip()
                items.append(None if raw.upper() == "NULL" else raw)
                i = j
            if text[i] == ",":
                i += 1
                continue
            return items, i + 1

    elements, _ = level(0)
    return bounds, elements


def format_array(bounds: str, elements: Elements) -> str:
    def one(item: Any) -> str:
        if item is None:
            return "NULL"
        if isinstance(item, list):
            return "{" + ",".join(one(x) for x in item) + "}"
        return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'

    return bounds + one(elements)


def flat(elements: Elements) -> Iterator[str]:
    for item in elements:
        if isinstance(item, list):
            yield from flat(item)
        elif item is not None:
            yield item


def mask_array(masker: Masker, method: str, text: str, entity: str = "", limit: int | None = None) -> Masked:
    bounds, elements = parse_array(text)
    residual: list[str] = []

    def each(items: Elements) -> Elements:
        out: Elements = []
        for item in items:
            if isinstance(item, list):
                out.append(each(item))
            elif item is None:
                out.append(None)
            else:
                masked, rest = mask_text(masker, method, item, entity, limit)
                out.append(masked)
                residual.extend(rest or ())
        return out

    return format_array(bounds, each(elements)), residual or None
