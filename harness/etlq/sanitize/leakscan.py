"""The leak scan: does any source value of a PII column appear anywhere in the output?

**Known values.** For every masked column (dates aside) the source database computes, over the
whole column and not only the subset, the distinct *normalized* values: ASCII letters lower-
cased, every run of ASCII characters other than letters and digits (spaces, ``@ . + - ( ) ,``,
quotes, ...) made one space, trimmed: ``Ann.Lee@Mail.TEST`` -> ``ann lee mail test``,
``(555) 0107-77`` -> ``555 0107 77``. A text or ``inet`` column gives its values, a text array
its elements, a ``scrub`` column the e-mail addresses inside its texts, a json column the
strings and numbers under keys named like personal data plus the e-mail addresses inside its
strings. Values with fewer than ``MIN_LEAK_LENGTH`` letters and digits are left out. Only
64 bits of the md5 of each value travel (to Python, ~100 bytes per distinct value).

**What is scanned.** Every row written, as written: each unmasked text, varchar, char, enum
(as text) value; each element of an unmasked text array; each key, string and number of an
unmasked json/jsonb document; and in masked ``json``/``scrub``/``scrub[]`` columns whatever the
masking left as it was (keys, strings nothing masked, the text around a replaced address).
Values masked by HMAC are not scanned: a match there would be someone else's value by chance.

**What is a leak.** A scanned text whose normalized form *equals* a known value, or that
*contains* a known value as a run of whole tokens when that value is distinctive: at least
``RUN_MIN_LENGTH`` letters and digits and either two tokens or a digit (``ann lee mail test``,
``555 0107 77``, ``ann lee``; not a lone ``felix`` or ``10115``, which would match ordinary
words and numbers; those count only as whole values). Runs are compared up to ``MAX_RUN_TOKENS``
tokens. A token never splits a word: ``xann lee`` does not contain ``ann lee``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from etlq.sanitize import copytext
from etlq.sanitize.catalog import ColumnInfo, TableInfo
from etlq.sanitize.pii import EMAIL_TOKEN_PATTERN, NAME_RULES, MaskRule, is_json, is_text_array, name_kind
from etlq.sanitize.structured import flat, json_texts, parse_array

MIN_LEAK_LENGTH = 4  # letters and digits of a known value
RUN_MIN_LENGTH = 6  # ... of a value also found inside a longer text
MAX_RUN_TOKENS = 16
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_SEPARATORS = re.compile(r"[\x00-/:-@\[-`{-\x7f]+")  # ASCII except letters and digits
_SEPARATORS_SQL = "'[' || chr(1) || '-/:-@[-`{-' || chr(127) || ']+'"  # the same (no NUL in text)
_PII_KEYS_SQL = "|".join(f"({rx})" for rx, method in NAME_RULES if method != "date")


@dataclass(frozen=True)
class Leak:
    table: str
    column: str
    rows: int
    source_column: str  # the PII column the value came from

    def __str__(self) -> str:
        return f"{self.table}.{self.column}: {self.rows} rows hold values of PII column {self.source_column}"


def normalize(value: str) -> str:
    return _SEPARATORS.sub(" ", value.translate(ASCII_LOWER)).strip(" ")


def h64(normalized: str) -> int:
    return int.from_bytes(hashlib.md5(normalized.encode("utf-8")).digest()[:8], "big")


# --- known values, computed in the source -----------------------------------------------------


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def normalize_sql(expr: str) -> str:
    return f"btrim(regexp_replace(lower(({expr}) COLLATE \"C\"), {_SEPARATORS_SQL}, ' ', 'g'), ' ')"


def _emails_sql(expr: str) -> str:
    return f"regexp_matches({expr}, {_literal('(' + EMAIL_TOKEN_PATTERN + ')')}, 'g')"


def known_values_sql(info: TableInfo, rule: MaskRule, quote: Callable[[str], str]) -> str | None:
    """``COPY (...) TO STDOUT`` query: (source column, hash, distinctive, hash of first token,
    tokens) per distinct normalized value of a masked column; None for dates."""
    col = info.column(rule.column)
    c, table = quote(col.name), f"{quote(info.ref.schema)}.{quote(info.ref.name)}"
    base = rule.method.removesuffix("[]")
    if base == "date":
        return None
    rows = f"{table} t WHERE t.{c} IS NOT NULL"
    if rule.method in ("json", "json_all"):
        values = _json_values_sql(col, rule.method, table, c)
    elif rule.method == "scrub[]":
        values = f"SELECT m[1] FROM {table} t, unnest(t.{c}) e, {_emails_sql('e::text')} m"
    elif rule.method.endswith("[]"):
        values = f"SELECT e::text FROM {table} t, unnest(t.{c}) e WHERE e IS NOT NULL"
    elif rule.method == "scrub":
        values = f"SELECT m[1] FROM {table} t, {_emails_sql(f't.{c}::text')} m"
    elif col.portable_type in ("inet", "cidr"):  # as an address alone, the way text holds it
        values = f"SELECT host(t.{c}) FROM {rows}"
    else:
        values = f"SELECT t.{c}::text FROM {rows}"
    size = "length(replace(n, ' ', ''))"
    distinctive = f"{size} >= {RUN_MIN_LENGTH} AND (position(' ' in n) > 0 OR n ~ '[0-9]')"
    return (
        f"SELECT DISTINCT {_literal(f'{info.ref}.{rule.column}')}, left(md5(n), 16), {distinctive},"
        f" left(md5(split_part(n, ' ', 1)), 16), array_length(string_to_array(n, ' '), 1)"
        f" FROM (SELECT {normalize_sql('v')} AS n FROM ({values}) AS s(v) WHERE v IS NOT NULL) AS s2"
        f" WHERE {size} >= {MIN_LEAK_LENGTH}"
    )


def _json_values_sql(col: ColumnInfo, method: str, table: str, c: str) -> str:
    """Strings and numbers under keys named like personal data (all strings for ``json_all`` or a
    column named like one), and the e-mail addresses inside every string."""
    doc = f"t.{c}::jsonb"
    leaves = "jsonb_typeof(leaf) IN ('string', 'number')"
    strings = f"jsonb_path_query({doc}, 'strict $.** ? (@.type() == \"string\")')"
    in_string, pii_keys = "s #>> '{}'", _literal(_PII_KEYS_SQL)
    key = "btrim(regexp_replace(lower(kv.key COLLATE \"C\"), '[^a-z0-9]+', '_', 'g'), '_')"
    parts = [
        f"SELECT leaf #>> '{{}}' FROM {table} t, jsonb_path_query({doc}, 'strict $.**') node,"
        f" jsonb_each(CASE WHEN jsonb_typeof(node) = 'object' THEN node ELSE '{{}}' END) kv,"
        f" jsonb_path_query(kv.value, 'strict $.**') leaf WHERE {leaves} AND {key} ~ {pii_keys}",
        f"SELECT m[1] FROM {table} t, {strings} s, {_emails_sql(in_string)} m",
    ]
    if method == "json_all" or name_kind(col.name) not in (None, "date"):
        parts.append(f"SELECT s #>> '{{}}' FROM {table} t, {strings} s")
    return " UNION ALL ".join(parts)


# --- the scan, in Python, of every row written --------------------------------------------------


class KnownValues:
    """The hashes ``known_values_sql`` wrote, loaded once: hash -> source columns."""

    def __init__(self) -> None:
        self.sources: list[str] = []
        self.whole: dict[int, int] = {}  # hash -> index of a tuple of source indexes in combos
        self.combos: list[tuple[int, ...]] = []
        self.runs: set[int] = set()  # distinctive values, also found inside longer texts
        self.firsts: set[int] = set()  # their first tokens
        self.max_tokens = 1
        self._ids: dict[str, int] = {}
        self._combo_ids: dict[tuple[int, ...], int] = {}

    @classmethod
    def load(cls, handle: IO[bytes]) -> KnownValues:
        known = cls()
        for line in handle:
            source, whole, distinctive, first, tokens = (
                copytext.decode(f) or "" for f in copytext.split_line(line.rstrip(b"\n"))
            )
            known.add(source, int(whole, 16), distinctive == "t", int(first, 16), int(tokens))
        return known

    def add(self, source: str, whole: int, distinctive: bool, first: int, tokens: int) -> None:
        sid = self._ids.setdefault(source, len(self._ids))
        if sid == len(self.sources):
            self.sources.append(source)
        had = self.combos[self.whole[whole]] if whole in self.whole else ()
        if sid not in had:
            combo = tuple(sorted((*had, sid)))
            self.whole[whole] = self._combo_ids.setdefault(combo, len(self._combo_ids))
            if len(self.combos) < len(self._combo_ids):
                self.combos.append(combo)
        if distinctive and tokens <= MAX_RUN_TOKENS:
            self.runs.add(whole)
            self.firsts.add(first)
            self.max_tokens = max(self.max_tokens, tokens)

    def find(self, text: str) -> set[int]:
        """Combo indexes of the known values ``text`` equals or contains (see the module doc)."""
        n = normalize(text)
        found: set[int] = set()
        if not n:
            return found
        whole = self.whole.get(h64(n))
        if whole is not None:
            found.add(whole)
        if self.runs:
            tokens = n.split(" ")
            for i, token in enumerate(tokens):
                if h64(token) not in self.firsts:
                    continue
                for k in range(1, min(self.max_tokens, len(tokens) - i) + 1):
                    h = h64(" ".join(tokens[i : i + k]))
                    if h in self.runs:
                        found.add(self.whole[h])
        return found


class TableScan:
    """Scans one output table row by row: unmasked text-like columns, and what masking left."""

    def __init__(self, known: KnownValues, info: TableInfo, rules: Iterable[MaskRule]) -> None:
        self.known, self.info = known, info
        masked = {r.column for r in rules if r.table == info.ref}
        self.modes: dict[int, str] = {}
        for i, col in enumerate(info.columns):
            if col.name in masked:
                continue
            if is_json(col):
                self.modes[i] = "json"
            elif is_text_array(col):
                self.modes[i] = "array"
            elif col.is_text:
                self.modes[i] = "text"
        self.found: dict[tuple[int, int], int] = {}  # (column index, source index) -> rows

    def row(self, fields: list[bytes], residual: dict[int, list[str]]) -> None:
        hits: set[tuple[int, int]] = set()
        for i, mode in self.modes.items():
            value = copytext.decode(fields[i])
            if value is not None:
                hits |= {(i, combo) for combo in self._find(_texts(value, mode))}
        for i, texts in residual.items():
            hits |= {(i, combo) for combo in self._find(texts)}
        for i, combo in hits:
            for source in self.known.combos[combo]:
                self.found[(i, source)] = self.found.get((i, source), 0) + 1

    def _find(self, texts: Iterable[str]) -> set[int]:
        found: set[int] = set()
        for text in texts:
            found |= self.known.find(text)
        return found

    def leaks(self) -> list[Leak]:
        names = [c.name for c in self.info.columns]
        return [
            Leak(str(self.info.ref), names[i], n, self.known.sources[s])
            for (i, s), n in sorted(self.found.items(), key=lambda x: (x[0][0], self.known.sources[x[0][1]]))
        ]


def _texts(value: str, mode: str) -> Iterator[str]:
    if mode == "json":
        yield from json_texts(value)
    elif mode == "array":
        try:
            yield from flat(parse_array(value)[1])
        except (IndexError, ValueError):
            yield value
    else:
        yield value
