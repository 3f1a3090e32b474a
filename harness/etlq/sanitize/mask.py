"""Keyed, deterministic, format-keeping masking: HMAC-SHA256 of the value under a secret key.

The same value masks to the same output in every table and every run with the same key, so
joins on masked columns survive; without the key the mapping cannot be recomputed or
reversed by guessing inputs. A masked value never equals its input (a collision is
re-hashed with a counter), NULL stays NULL. Under a unique key, ``mask_unique`` re-draws a
value whose output another input already has, so the target's constraint holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import json
import os
import re
import string

from etlq import aws
from etlq.errors import EtlqError
from etlq.sanitize import words

KEY_ENV = "ETLQ_MASK_KEY"
MIN_KEY_LENGTH = 16
DATE_SHIFT_DAYS = 30  # dates move by a per-entity offset in [-N, N], never 0
UNIQUE_TRIES = 64  # re-draws of a masked value that collides under a unique key
SUFFIX_AFTER = 16  # ... after which names and addresses get a hex suffix (the word lists are finite)
_LISTED = ("name", "first_name", "last_name", "address")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def resolve_key(secret_id: str | None = None) -> bytes:
    """The masking key: ``--mask-secret-id`` (Secrets Manager) or ``ETLQ_MASK_KEY``."""
    if secret_id:
        text = _secret(secret_id)
        where = f"secret {secret_id!r}"
    else:
        text = os.environ.get(KEY_ENV, "")
        where = KEY_ENV
        if not text:
            raise EtlqError(
                "no masking key: sanitize refuses to run without one",
                f"export {KEY_ENV}=<a random secret of {MIN_KEY_LENGTH}+ characters>",
                "pass --mask-secret-id <Secrets Manager secret id>",
            )
    if len(text) < MIN_KEY_LENGTH:
        raise EtlqError(
            f"masking key from {where} is shorter than {MIN_KEY_LENGTH} characters", "use a longer random key"
        )
    return text.encode()


def _secret(secret_id: str) -> str:
    boto3 = aws.boto3("--mask-secret-id (a Secrets Manager secret)")
    try:
        secrets = boto3.client("secretsmanager", config=aws.config())
        text = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
    except aws.errors() as exc:
        raise EtlqError(
            f"cannot read masking key secret {secret_id!r}: {exc}", "check the secret id and AWS credentials"
        ) from None
    try:
        doc = json.loads(text)
    except ValueError:
        return str(text)
    if isinstance(doc, dict):
        for field in ("mask_key", "key"):
            if isinstance(doc.get(field), str):
                return str(doc[field])
    raise EtlqError(
        f"secret {secret_id!r} is JSON without a 'mask_key' or 'key' field", "store the key as plain text"
    )


class Masker:
    """``mask(method, value, entity)`` for each method of ``pii.METHODS``; values are text."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def digest(self, method: str, value: str, attempt: int = 0) -> bytes:
        return hmac.new(self.key, f"{method}\x1f{attempt}\x1f{value}".encode(), hashlib.sha256).digest()

    @functools.lru_cache(maxsize=200_000)  # noqa: B019 - one Masker per run; values repeat across tables
    def mask(self, method: str, value: str, entity: str = "", limit: int | None = None, salt: int = 0) -> str:
        """``salt`` > 0 draws another output for the same value (see ``mask_unique``)."""
        source = value.strip().lower() if method == "email" else value
        for attempt in range(8 * salt, 8 * salt + 8):
            masked = self._once(method, source, entity, attempt)
            if salt >= SUFFIX_AFTER and method in _LISTED:  # the word lists ran out of combinations
                masked = f"{masked} {self.digest(method, source, attempt).hex()[:6]}"
            masked = masked[:limit] if limit else masked
            if masked.strip().lower() != value.strip().lower():
                return masked
        raise AssertionError(f"masking kept {method} value unchanged after 8 attempts")  # ~2^-60 chance

    def mask_unique(
        self, method: str, value: str, entity: str, limit: int | None, owners: dict[str, str]
    ) -> str:
        """``mask``, injective over ``owners`` (masked -> input): for columns under a unique key,
        where two inputs masking alike would break the constraint in the target. Inputs are told
        apart exactly (``A@x.org`` and ``a@x.org`` are two values to a unique constraint)."""
        for salt in range(UNIQUE_TRIES):
            masked = self.mask(method, value, entity, limit, salt)
            if owners.setdefault(masked, value) == value:
                return masked
        raise EtlqError(
            f"cannot mask {method} values uniquely: {len(owners)} distinct values do not fit"
            + (f" in {limit} characters" if limit else ""),
            "subset fewer rows (--fraction, --where)",
            "leave the column unmasked on purpose with --keep",
        )

    def _once(self, method: str, value: str, entity: str, attempt: int) -> str:
        subject = (entity or value) if method == "date" else value  # a date shifts by its entity's offset
        d = self.digest(method, subject, attempt)

        def pick(seq: tuple[str, ...], at: int) -> str:
            return seq[int.from_bytes(d[at : at + 4], "big") % len(seq)]

        if method == "email":
            local = f"{pick(words.FIRST_NAMES, 0)}.{pick(words.LAST_NAMES, 4)}.{d[8:11].hex()}".lower()
            return f"{local}@{pick(words.EMAIL_DOMAINS, 12)}"
        if method == "first_name":
            return pick(words.FIRST_NAMES, 0)
        if method == "last_name":
            return pick(words.LAST_NAMES, 4)
        if method == "name":
            return f"{pick(words.FIRST_NAMES, 0)} {pick(words.LAST_NAMES, 4)}"
        if method == "address":
            number = int.from_bytes(d[8:10], "big") % 9899 + 1
            street = f"{number} {pick(words.STREETS, 0)} {pick(words.STREET_KINDS, 4)}"
            return f"{street}, {pick(words.CITIES, 12)}" if "," in value else street
        if method == "date":
            shifted = self._shift_date(value, d)
            if shifted is not None:
                return shifted
        if method == "ip":
            address = self._ip(value, d)
            if address is not None:
                return address
        return self._layout(value, d, letters=method != "phone")

    @staticmethod
    def _ip(value: str, d: bytes) -> str | None:
        """Another address of the same family; a prefix is kept, a network stays a network (cidr)."""
        try:
            interface = ipaddress.ip_interface(value.strip())
        except ValueError:
            return None
        size = interface.ip.max_prefixlen // 8
        other = ipaddress.ip_address(d[-size:])
        if "/" not in value:
            return str(other)
        prefix = interface.network.prefixlen
        if interface.ip == interface.network.network_address:  # a network, as cidr holds them
            return str(ipaddress.ip_network(f"{other}/{prefix}", strict=False))
        return f"{other}/{prefix}"

    @staticmethod
    def _layout(value: str, d: bytes, letters: bool) -> str:
        """Digits -> digits, letters -> letters (case kept), the rest as is; phones keep letters (``x12``)."""
        stream = d
        while len(stream) < len(value):
            stream += hashlib.sha256(stream).digest()
        out = []
        for ch, b in zip(value, stream, strict=False):
            if ch.isdigit() and ch.isascii():
                out.append(string.digits[b % 10])
            elif letters and ch.isascii() and ch.isalpha():
                letter = string.ascii_lowercase[b % 26]
                out.append(letter.upper() if ch.isupper() else letter)
            else:
                out.append(ch)
        return "".join(out)

    @staticmethod
    def _shift_date(value: str, d: bytes) -> str | None:
        match = _ISO_DATE.match(value)
        if not match:
            return None
        try:
            day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
        offset = int.from_bytes(d[:4], "big") % (2 * DATE_SHIFT_DAYS) - DATE_SHIFT_DAYS  # [-N, N-1]
        shifted = day + dt.timedelta(days=offset or DATE_SHIFT_DAYS)
        return shifted.isoformat() + value[10:]
