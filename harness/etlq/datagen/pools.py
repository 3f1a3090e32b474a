"""Realistic value pools, made once per (kind, seed) with Faker and sampled by index with numpy.

Faker costs ~50-100 µs a value; drawing a pool of ``POOL_SIZE`` values once and taking
indices from it keeps the hot loop in C (``pyarrow.Array.take``). Pools hold distinct
values (unique columns add an index-derived suffix on top, see ``values``) and never a
newline: one physical line per row keeps the manifest's line numbers exact.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable

import pyarrow as pa
from faker import Faker

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

# Pool kinds that Faker makes; the rest of the semantics are computed (see values.py).
_FAKER: dict[str, Callable[[Faker], str]] = {
    "email": lambda f: f.email(),
    "name": lambda f: f.name(),
    "first_name": lambda f: f.first_name(),
    "last_name": lambda f: f.last_name(),
    "phone": lambda f: f.phone_number(),
    "address": lambda f: f.address().replace("\n", ", "),
    "city": lambda f: f.city(),
    "company": lambda f: f.company(),
    "url": lambda f: f.url(),
    "word": lambda f: f.word(),
    "sentence": lambda f: f.sentence(nb_words=6),
}
_STATIC: dict[str, tuple[str, ...]] = {"currency": CURRENCIES, "country_code": COUNTRIES}
POOL_KINDS: tuple[str, ...] = tuple(_FAKER) + tuple(_STATIC)


@functools.lru_cache(maxsize=64)
def pool(kind: str, seed: int) -> pa.StringArray:
    """Distinct values of ``kind`` for ``seed``; the same (kind, seed) gives the same pool."""
    if kind in _STATIC:
        return pa.array(_STATIC[kind], type=pa.string())
    make = _FAKER[kind]
    fake = Faker("en_US")
    # crc32, not hash(): str hashes change between processes and would break determinism
    fake.seed_instance(seed * 1_000_003 + zlib.crc32(kind.encode()))
    seen: dict[str, None] = {}
    stale = 0  # small vocabularies (first names) run dry long before POOL_SIZE
    while len(seen) < POOL_SIZE and stale < 500:
        before = len(seen)
        seen.setdefault(make(fake).replace("\n", " "), None)
        stale = stale + 1 if len(seen) == before else 0
    return pa.array(list(seen), type=pa.string())
