"""Realistic value pools, made once per (kind, seed) and sampled by index with numpy.

Faker costs ~50-100 µs a value (more on a busy machine), so a pool of ``POOL_SIZE`` values
called through Faker costs about a second per kind: more than generating 500k rows. The
PII-like kinds (names, emails, phones) are therefore composed from Faker's own en_US
vocabularies (weighted first and last names, free-mail domains, phone formats) with numpy,
in milliseconds; the other kinds call Faker. Taking indices from a pool keeps the hot loop in
C (``pyarrow.Array.take``). Pools hold distinct
values (unique columns add an index-derived suffix on top, see ``values``) and never a
newline: one physical line per row keeps the manifest's line numbers exact.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

import numpy as np
import pyarrow as pa
from faker import Faker
from faker.providers.internet.en_US import Provider as InternetVocabulary
from faker.providers.person.en_US import Provider as PersonVocabulary
from faker.providers.phone_number.en_US import Provider as PhoneVocabulary

POOL_SIZE = 8192

# Currencies the orders are drawn from when a contract gives no accepted list. The fx pool
# covers all of them (USD included, rate 1), so every (day, currency) an order uses has a rate.
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "SEK")
# Approximate USD per unit, the centre of the synthetic daily rates.
USD_PER_UNIT: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "JPY": 0.0067,
    "CHF": 1.12,
    "CAD": 0.74,
    "AUD": 0.66,
    "SEK": 0.095,
    "NOK": 0.094,
    "DKK": 0.145,
    "PLN": 0.25,
    "NZD": 0.61,
    "SGD": 0.74,
    "HKD": 0.128,
}
COUNTRIES: tuple[str, ...] = (
    "US",
    "GB",
    "DE",
    "FR",
    "NL",
    "ES",
    "IT",
    "SE",
    "JP",
    "CA",
    "AU",
    "CH",
    "IE",
    "BE",
    "PL",
    "DK",
)


def _weighted(vocabulary: dict[str, float], rng: np.random.Generator, n: int) -> np.ndarray:
    names = np.array(list(vocabulary), dtype=object)
    weights = np.fromiter(vocabulary.values(), dtype=float)
    return rng.choice(names, size=n, p=weights / weights.sum())


def _people(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return (
        _weighted(PersonVocabulary.first_names, rng, n),
        _weighted(PersonVocabulary.last_names, rng, n),
    )


def _names(rng: np.random.Generator, n: int) -> list[str]:
    first, last = _people(rng, n)
    return [f"{a} {b}" for a, b in zip(first, last, strict=True)]


def _emails(rng: np.random.Generator, n: int) -> list[str]:
    first, last = _people(rng, n)
    domains = rng.choice(np.array(InternetVocabulary.free_email_domains, dtype=object), size=n)
    style = rng.integers(0, 4, size=n)
    digits = rng.integers(1, 100, size=n)
    made = []
    for a, b, domain, how, number in zip(first, last, domains, style, digits, strict=True):
        a, b = a.lower(), b.lower()
        local = (f"{a}.{b}", f"{a[0]}{b}", f"{a}{b}{number}", f"{b}.{a}{number}")[how]
        made.append(f"{local}@{domain}")
    return made


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    formats = rng.choice(np.array(PhoneVocabulary.formats, dtype=object), size=n)
    made = []
    for layout, row in zip(formats, rng.integers(0, 10, size=(n, 32)), strict=True):
        # as Faker's en_US numerify: '#' any digit, '$' a digit 2-9 (no area code starts 0 or 1)
        digits = iter(row)
        made.append(
            "".join(
                str(next(digits)) if c == "#" else str(2 + next(digits) % 8) if c == "$" else c
                for c in layout
            )
        )
    return made


# Composed from Faker's vocabularies (see the module docstring); each draws ``n`` values.
_COMPOSED: dict[str, Callable[[np.random.Generator, int], list[str]]] = {
    "email": _emails,
    "name": _names,
    "first_name": lambda rng, n: list(_people(rng, n)[0]),
    "last_name": lambda rng, n: list(_people(rng, n)[1]),
    "phone": _phones,
}
# Pool kinds that Faker makes; the rest of the semantics are computed (see values.py).
_FAKER: dict[str, Callable[[Faker], str]] = {
    "address": lambda f: f.address().replace("\n", ", "),
    "city": lambda f: f.city(),
    "company": lambda f: f.company(),
    "url": lambda f: f.url(),
    "word": lambda f: f.word(),
    "sentence": lambda f: f.sentence(nb_words=6),
}
_STATIC: dict[str, tuple[str, ...]] = {"currency": CURRENCIES, "country_code": COUNTRIES}
POOL_KINDS: tuple[str, ...] = tuple(_COMPOSED) + tuple(_FAKER) + tuple(_STATIC)


@functools.lru_cache(maxsize=64)
def pool(kind: str, seed: int) -> pa.StringArray:
    """Distinct values of ``kind`` for ``seed``; the same (kind, seed) gives the same pool."""
    if kind in _STATIC:
        return pa.array(_STATIC[kind], type=pa.string())
    # crc32, not hash(): str hashes change between processes and would break determinism
    kind_seed = seed * 1_000_003 + zlib.crc32(kind.encode())
    if kind in _COMPOSED:
        # twice the pool drawn at once; duplicates (common first names) are dropped in order
        drawn = _COMPOSED[kind](np.random.default_rng(kind_seed), 2 * POOL_SIZE)
        return pa.array(list(dict.fromkeys(drawn))[:POOL_SIZE], type=pa.string())
    make = _FAKER[kind]
    fake = Faker("en_US")
    fake.seed_instance(kind_seed)
    seen: dict[str, None] = {}
    stale = 0  # small vocabularies (first names) run dry long before POOL_SIZE
    while len(seen) < POOL_SIZE and stale < 500:
        before = len(seen)
        seen.setdefault(make(fake).replace("\n", " "), None)
        stale = stale + 1 if len(seen) == before else 0
    return pa.array(list(seen), type=pa.string())
