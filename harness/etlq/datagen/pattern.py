"""Values for the simple regexes contracts use (``^[A-Z]{3}$``, ``^ORD-\\d{6,8}$``), vectorized.

Supported: anchors, literal characters (escape specials with ``\\``), classes ``[A-Z0-9_]``,
``\\d``, ``\\w``, ``.``, and the quantifiers ``{n}``, ``{n,m}``, ``?``, ``+``, ``*``. Anything
else (groups, alternation) is refused with a fix: give the column a ``semantic`` hint.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etlq.errors import EtlqError

_ESCAPES = {"d": string.digits, "w": string.ascii_letters + string.digits + "_", "s": " "}
_OPEN_MAX = 3  # how far + and * stretch


@dataclass(frozen=True)
class Piece:
    chars: bytes  # the alphabet of this position
    least: int
    most: int


def compile_pattern(pattern: str, column: str) -> tuple[Piece, ...]:
    body = pattern.removeprefix("^").removesuffix("$")
    pieces: list[Piece] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "[":
            end = body.find("]", i + 1)
            if end < 0:
                raise _unsupported(pattern, column)
            chars, i = _char_class(body[i + 1 : end], pattern, column), end + 1
        elif ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            chars, i = _ESCAPES.get(nxt, nxt), i + 2
        elif ch == ".":
            chars, i = string.ascii_letters + string.digits, i + 1
        elif ch in "()|^$*+?{}":
            raise _unsupported(pattern, column)
        else:
            chars, i = ch, i + 1
        least, most, i = _quantifier(body, i, pattern, column)
        if not chars.isascii():
            raise _unsupported(pattern, column)
        pieces.append(Piece(chars.encode(), least, most))
    return tuple(pieces)


def _char_class(spec: str, pattern: str, column: str) -> str:
    if spec.startswith("^"):
        raise _unsupported(pattern, column)
    out, i = [], 0
    while i < len(spec):
        if spec[i] == "\\" and i + 1 < len(spec):
            out.append(_ESCAPES.get(spec[i + 1], spec[i + 1]))
            i += 2
        elif i + 2 < len(spec) and spec[i + 1] == "-":
            out.append("".join(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1)))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(dict.fromkeys("".join(out)))


def _quantifier(body: str, i: int, pattern: str, column: str) -> tuple[int, int, int]:
    if i >= len(body):
        return 1, 1, i
    ch = body[i]
    if ch == "?":
        return 0, 1, i + 1
    if ch == "+":
        return 1, _OPEN_MAX, i + 1
    if ch == "*":
        return 0, _OPEN_MAX, i + 1
    if ch == "{":
        end = body.find("}", i)
        parts = body[i + 1 : end].split(",") if end > 0 else []
        if not parts or not all(
            p.strip().isdigit() or (k == 1 and not p.strip()) for k, p in enumerate(parts)
        ):
            raise _unsupported(pattern, column)
        least = int(parts[0])
        most = least if len(parts) == 1 else (int(parts[1]) if parts[1].strip() else least + _OPEN_MAX)
        return least, most, end + 1
    return 1, 1, i


def _unsupported(pattern: str, column: str) -> EtlqError:
    return EtlqError(
        f"column {column!r}: datagen cannot produce values for pattern {pattern!r}",
        "add `semantic:` (or `accepted:`) to the column in its contract",
        "simplify the pattern to classes, literals and {n,m} quantifiers",
    )


def draw_pattern(pieces: tuple[Piece, ...], rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random strings matching ``pieces``: one fixed-width byte matrix, padding cut out."""
    width = sum(p.most for p in pieces)
    if width == 0:
        return pa.array([""] * n, type=pa.string())
    grid = np.zeros((n, width), dtype=np.uint8)
    col = 0
    for piece in pieces:
        alphabet = np.frombuffer(piece.chars, dtype=np.uint8)
        grid[:, col : col + piece.most] = alphabet[rng.integers(0, len(alphabet), (n, piece.most))]
        if piece.least < piece.most:
            used = rng.integers(piece.least, piece.most + 1, n)
            grid[:, col : col + piece.most][np.arange(piece.most) >= used[:, None]] = 0
        col += piece.most
    raw = pa.array(grid.view(f"S{width}").ravel(), type=pa.binary())
    # numpy drops trailing NULs itself; inner ones (an unused optional piece) are removed here
    return pc.replace_substring(pc.cast(raw, pa.string()), "\x00", "")


def draw_unique_pattern(pieces: tuple[Piece, ...], entity: np.ndarray, seed: int) -> pa.Array:
    """Distinct strings matching ``pieces``, a pure function of the row index: the index is
    written in mixed radix over the fixed-width positions (last position fastest), on top of a
    seeded offset, so ``^[0-9]{13}$`` gives 13-digit strings that never repeat within 10^13 rows."""
    if any(p.least != p.most for p in pieces):
        raise EtlqError(
            "datagen makes distinct values only for fixed-width patterns (no ?, +, * or {n,m})",
            "give the unique column a `semantic:` hint, or a fixed-width pattern",
        )
    radixes = [len(p.chars) for p in pieces for _ in range(p.most)]
    alphabets = [np.frombuffer(p.chars, dtype=np.uint8) for p in pieces for _ in range(p.most)]
    capacity = 1
    for r in radixes:
        capacity = min(capacity * r, 2**62)
    if len(entity) and int(entity.max()) >= capacity:
        raise EtlqError(f"the pattern has only {capacity} distinct values", "generate fewer rows")
    offset = (seed * 0x9E3779B97F4A7C15) % capacity
    number = (entity.astype(object) + offset) % capacity  # Python ints: no overflow
    grid = np.zeros((len(entity), len(radixes)), dtype=np.uint8)
    for col in range(len(radixes) - 1, -1, -1):
        digits = np.array([int(v) % radixes[col] for v in number], dtype=np.int64)
        number = np.array([int(v) // radixes[col] for v in number], dtype=object)
        grid[:, col] = alphabets[col][digits]
    if not radixes:
        return pa.array([""] * len(entity), type=pa.string())
    return pa.array(grid.view(f"S{len(radixes)}").ravel().astype(str), type=pa.string())
