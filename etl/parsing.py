"""Raw CSV bytes -> landing rows: each record's first line number, raw text and text fields.

This is the part of ingest PostgreSQL cannot do: split CSV records with the csv module while
tracking the physical line each record starts on and its raw text, and flag what cannot be
split: broken quoting (``malformed_csv``), invalid UTF-8 or a NUL (``bad_encoding``) and a wrong
number of fields (``ragged_row``). Typing and validation happen in SQL (etl/sources.py).

Rows come out in PostgreSQL's COPY text format, in blocks, columns ``line_no, raw_line,
error_code, error_reason`` and then the fields (in the order the caller asks). ``raw_line`` is
NULL when the record is one line without a quote character: it is then the fields joined by
commas, and SQL rebuilds it. An error row has NULL fields.

For speed, backslashes and tabs are escaped for COPY in the decoded text before it is split
(the csv module treats neither specially), and a run of lines without a quote character is
split in bulk with ``str.replace``: each such line is one record whose fields are its
comma-separated parts, which is what the csv module returns for it. Values are not trimmed
here: SQL does that, for the few records that need it.

Like all of etl/, this runs on Glue's Python 3.9: no 3.10+ library calls (datetime.UTC,
zip(strict=...)) and no ``X | Y`` outside annotations.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

BLOCK_ROWS = 20_000  # rows per COPY block handed to the caller
NULL = "\\N"
# The csv module refuses a field over 128 KiB by default, which the bulk path (no csv module)
# does not: a long value would then be ``malformed_csv`` or its column's code depending on the
# path its record takes. No limit here, so a value's length is judged by its column alone
# (``too_long``) or loaded, whatever the path. The setting is the csv module's, process-wide.
csv.field_size_limit(2**31 - 1)


class FieldError(Exception):
    """Why a record cannot be split: a stable ``code`` and a message (the ``reason``)."""

    def __init__(self, code: str, reason: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Record:
    """The header record: its fields (unescaped) or why it cannot be read."""

    fields: list[str]
    error: FieldError | None = None


# COPY text-format escapes, in two steps: backslash and tab before splitting (see ``_Chunk``),
# line breaks after. The backslash comes first: the other escapes add backslashes.
_BACKSLASH_AND_TAB = (("\\", "\\\\"), ("\t", "\\t"))
_LINE_BREAKS = (("\n", "\\n"), ("\r", "\\r"))


def _escaped(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    for char, replacement in escapes:
        if char in text:
            text = text.replace(char, replacement)
    return text


def escape(text: str) -> str:
    """``text`` as a COPY text-format field (backslash, tab, newline and carriage return escaped)."""
    return _escaped(text, _BACKSLASH_AND_TAB + _LINE_BREAKS)


def _unescape(text: str) -> str:
    """Undo the backslash and tab escaping done before splitting (see ``_Chunk``)."""
    return "\\".join(part.replace("\\t", "\t") for part in text.split("\\\\"))


class _Chunk:
    """Decoded whole lines of the file (each ending in ``\\n``), backslash and tab already escaped.

    ``careful`` marks a chunk holding a carriage return, a NUL or invalid UTF-8: its records take
    the general path. ``plain``: not careful and not a quote character, so every line is one
    record whose fields are its comma-separated parts, exactly as the csv module splits them.
    ``errors`` maps a line number to its encoding error.
    """

    __slots__ = ("_lines", "base", "careful", "count", "errors", "plain", "text")

    def __init__(self, base: int, text: str, careful: bool, errors: dict[int, str]) -> None:
        self.base = base  # line number of the line before the first one
        self.text = text
        self.count = text.count("\n")
        self.careful = careful
        self.errors = errors
        self.plain = not careful and '"' not in text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = io.StringIO(self.text, newline="\n").readlines()
        return self._lines


def _chunks(base: int, data: bytes, first: bool) -> list[_Chunk]:
    """``data`` decoded and escaped, cut so that the lines without a quote character form plain
    chunks of their own (unless quotes are everywhere: then the cutting would cost more than it saves)."""
    errors: dict[int, str] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_by_line(data, base, errors)
    if first and text.startswith("\ufeff"):
        text = text[1:]  # a BOM is ignored
    text = _escaped(text, _BACKSLASH_AND_TAB)
    if text and not text.endswith("\n"):
        text += "\n"
    careful = bool(errors) or "\r" in text or "\x00" in text
    quotes = text.count('"')
    if careful or not quotes or quotes * 16 > text.count("\n"):
        return [_Chunk(base, text, careful, errors)]
    runs: list[tuple[int, int]] = []  # the runs of lines holding a quote character
    at = text.find('"')
    while at != -1:
        lo, hi = text.rfind("\n", 0, at) + 1, text.find("\n", at) + 1
        if runs and runs[-1][1] == lo:
            runs[-1] = (runs[-1][0], hi)
        else:
            runs.append((lo, hi))
        at = text.find('"', hi)
    chunks: list[_Chunk] = []
    pos = 0
    for lo, hi in runs:
        for piece in (text[pos:lo], text[lo:hi]):
            if piece:
                chunks.append(_Chunk(base, piece, False, errors))
                base += chunks[-1].count
        pos = hi
    if pos < len(text):
        chunks.append(_Chunk(base, text[pos:], False, errors))
    return chunks


def _decode_by_line(data: bytes, base: int, errors: dict[int, str]) -> str:
    decoded = []
    for i, raw in enumerate(data.split(b"\n")):
        try:
            decoded.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            decoded.append(raw.decode("utf-8", errors="replace"))
            line_no = base + i + 1
            errors[line_no] = f"invalid UTF-8 at byte {exc.start + 1} of line {line_no}"
    return "\n".join(decoded)


class RecordSplitter:
    """The records of one CSV file, read from ``chunks`` (bytes, each ending after a ``\\n``).

    One csv reader reads the whole file, so a quoted field may span chunks; but a plain chunk
    (see ``_Chunk``) that starts where a record starts is split with ``str.replace`` instead.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._source = iter(chunks)
        self._lines_total = 0  # lines decoded so far
        self._started = False  # a chunk was decoded (only the first may start with a BOM)
        self._queue: deque[_Chunk] = deque()  # decoded chunks not taken yet
        self._pushback: _Chunk | None = None  # a chunk taken for the bulk path, left to the reader
        self._pending: deque[_Chunk] = deque()  # chunks the reader has started, not yet held
        self._held: list[_Chunk] = []  # the chunks the current record may span, oldest first
        self._reader = csv.reader(itertools.chain.from_iterable(self._produce()), strict=True)
        self._skipped = 0  # lines split without the reader (its line_num does not count them)
        self._prev = 0  # last line of the previous record
        self.records = 0  # records after the header handed out so far

    def _take(self) -> _Chunk | None:
        """The next non-empty chunk of the file, or None at its end."""
        if self._pushback is not None:
            chunk, self._pushback = self._pushback, None
            return chunk
        while not self._queue:
            data = next(self._source, None)
            if data is None:
                return None
            for chunk in _chunks(self._lines_total, data, first=self._lines_total == 0 and not self._started):
                if chunk.count:
                    self._queue.append(chunk)
                    self._lines_total += chunk.count
            self._started = True
        return self._queue.popleft()

    def _produce(self) -> Iterator[list[str]]:
        while True:
            chunk = self._take()
            if chunk is None:
                return
            self._pending.append(chunk)
            yield chunk.lines

    def _hold(self, start: int, end: int) -> _Chunk:
        """Make sure lines ``start..end`` are held; returns the chunk holding ``end``."""
        held = self._held
        while not held or held[-1].base + held[-1].count < end:
            held.append(self._pending.popleft())
        while held[0].base + held[0].count < start:
            del held[0]
        return held[-1]

    def _text(self, start: int, end: int) -> tuple[str, str | None]:
        """Lines ``start..end`` as one text without its final line break, and their first encoding error."""
        self._hold(start, end)
        parts: list[str] = []
        error = None
        for chunk in self._held:
            lo, hi = max(start - chunk.base, 1), min(end - chunk.base, chunk.count)
            parts.extend(chunk.lines[lo - 1 : hi])
            if error is None and chunk.errors:
                found = [
                    chunk.errors[n] for n in range(chunk.base + lo, chunk.base + hi + 1) if n in chunk.errors
                ]
                error = found[0] if found else None
        raw = "".join(parts)
        raw = raw[:-1] if raw.endswith("\n") else raw
        raw = raw[:-1] if raw.endswith("\r") else raw
        return raw, error

    def _row(
        self,
        start: int,
        end: int,
        fields: list[str] | None,
        n: int,
        index: Sequence[int],
        exc: Exception | None,
    ) -> str:
        """The landing row of any record: the general path, line breaks, CRs, NULs and errors included."""
        raw, error = self._text(start, end)
        code = reason = None
        if exc is not None:
            span = f"line {start}" if end <= start else f"lines {start}-{end}"
            code, reason = "malformed_csv", f"malformed CSV at {span}: {exc}"
        elif error is not None:
            code, reason = "bad_encoding", error
        elif "\x00" in raw:
            code, reason = "bad_encoding", "NUL character in the record"
        elif fields is not None and len(fields) != n:
            code, reason = "ragged_row", _ragged(len(fields), n)
        raw = _escaped(raw.replace("\x00", "\ufffd"), _LINE_BREAKS)  # PostgreSQL text cannot hold NUL
        if code is not None or fields is None:
            return "\t".join([str(start), raw, code or NULL, escape(reason or ""), *[NULL] * n])
        values = [_escaped(fields[i], _LINE_BREAKS) for i in index]
        return "\t".join([str(start), raw if '"' in raw else NULL, NULL, NULL, *values])

    def _bulk(self, chunk: _Chunk, n: int, prefix: str) -> list[str]:
        """The landing rows of a plain chunk, in bulk: commas become tabs, and a line with the
        wrong number of them is a ragged row."""
        fmt = prefix + "%d\t\\N\t\\N\t\\N\t%s"
        tabs = n - 1
        lines = chunk.text.replace(",", "\t").split("\n")
        lines.pop()  # the text ends with a line break
        return [
            fmt % (no, line) if line.count("\t") == tabs else prefix + _ragged_row(no, line, n)
            for no, line in enumerate(lines, chunk.base + 1)
        ]

    def header(self) -> Record | None:
        """The first record, or None for an empty file."""
        try:
            fields = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            end = self._prev = self._reader.line_num
            span = "line 1" if end <= 1 else f"lines 1-{end}"
            return Record([], FieldError("malformed_csv", f"malformed CSV at {span}: {exc}"))
        end = self._reader.line_num
        raw, error = self._text(1, end)
        self._prev = end
        if error is not None:
            return Record([], FieldError("bad_encoding", error))
        if "\x00" in raw:
            return Record([], FieldError("bad_encoding", "NUL character in the record"))
        return Record([_unescape(f) for f in fields])

    def rows(self, index: Sequence[int], prefix: str = "") -> Iterator[str]:
        """COPY text blocks of the records after the header: ``prefix``, then the landing columns
        with the fields in ``index`` order (``index[i]`` is the file position of column i)."""
        n = len(index)
        identity = list(index) == list(range(n))
        reader = self._reader
        prev, skipped = self._prev, self._skipped
        chunk = self._held[-1] if self._held else None
        base, lines, careful = (chunk.base, chunk.lines, chunk.careful) if chunk else (0, [], True)
        hi = base + len(lines)
        fast = prefix + "%d\t%s\t\\N\t\\N\t%s"
        out: list[str] = []
        append = out.append
        while True:
            try:
                for fields in reader:
                    end = reader.line_num + skipped
                    if end > hi:  # the reader moved on to a later chunk
                        chunk = self._hold(prev + 1, end)
                        base, lines, careful = chunk.base, chunk.lines, chunk.careful
                        hi = base + len(lines)
                    if end == prev + 1 and end > base and not careful and len(fields) == n:
                        line = lines[end - base - 1]
                        values = "\t".join(fields if identity else [fields[i] for i in index])
                        append(fast % (end, line[:-1] if '"' in line else NULL, values))
                    else:
                        append(prefix + self._row(prev + 1, end, fields, n, index, None))
                    prev = end
                    if end == hi and identity and not self._pending:  # the reader is between chunks
                        while True:
                            following = self._take()
                            if following is None or not following.plain:
                                self._pushback = following
                                break
                            out.extend(self._bulk(following, n, prefix))
                            prev = hi = following.base + following.count
                            skipped += following.count
                    if len(out) >= BLOCK_ROWS:
                        self._prev, self._skipped, self.records = prev, skipped, self.records + len(out)
                        yield "\n".join(out) + "\n"
                        out.clear()
                break
            except csv.Error as exc:
                end = reader.line_num + skipped
                append(prefix + self._row(prev + 1, end, None, n, index, exc))
                prev = end
                if end > hi:
                    chunk = self._hold(prev, end)
                    base, lines, careful = chunk.base, chunk.lines, chunk.careful
                    hi = base + len(lines)
        self._prev, self._skipped, self.records = prev, skipped, self.records + len(out)
        if out:
            yield "\n".join(out) + "\n"


def _ragged(fields: int, n: int) -> str:
    what = "blank line" if not fields else f"{fields} fields"
    return f"ragged row: {what}, expected {n}"


def _ragged_row(line_no: int, line: str, n: int) -> str:
    """A ragged line of a plain chunk (its commas already turned into tabs)."""
    fields = line.count("\t") + 1 if line else 0
    return "\t".join([str(line_no), line.replace("\t", ","), "ragged_row", _ragged(fields, n), *[NULL] * n])
