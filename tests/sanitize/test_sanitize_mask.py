"""The masking functions and the key: deterministic, format-keeping, never the input, key required."""

from __future__ import annotations

import datetime as dt
import json
import re

import boto3
import pytest

from etlq.errors import EtlqError
from etlq.sanitize import Masker, resolve_key

KEY = b"unit-test-key-0123456789"


@pytest.mark.parametrize(
    ("method", "value", "shape"),
    [
        ("email", "John.Doe@Gmail.com", r"[a-z]+\.[a-z]+\.[0-9a-f]{6}@example\.(com|net|org)"),
        ("name", "Rebecca Rodriguez", r"[A-Z][a-z]+ [A-Z][a-z]+"),
        ("first_name", "Rebecca", r"[A-Z][a-z]+"),
        ("phone", "+1-280-800-0913x12", r"\+\d-\d{3}-\d{3}-\d{4}x\d{2}"),
        (
            "address",
            "2441 Anna Knolls, Taylorville, CO 79692",
            r"\d{1,4} [A-Z][a-z]+ [A-Z][a-z]+, [A-Z][a-z]+",
        ),
        ("id", "AB-123-45-6789", r"[A-Z]{2}-\d{3}-\d{2}-\d{4}"),
        ("free_text", "Call me at 5pm", r"[A-Z][a-z]{3} [a-z]{2} [a-z]{2} \d[a-z]{2}"),
    ],
)
def test_masks_keep_the_format_and_change_the_value(method: str, value: str, shape: str) -> None:
    masker = Masker(KEY)
    masked = masker.mask(method, value)
    assert re.fullmatch(shape, masked), masked
    assert masked.lower() != value.lower()
    assert Masker(KEY).mask(method, value) == masked  # deterministic under one key
    assert Masker(KEY + b"x").mask(method, value) != masked


def test_email_is_compared_trimmed_and_case_blind() -> None:
    masker = Masker(KEY)
    assert masker.mask("email", " John.Doe@Gmail.com ") == masker.mask("email", "john.doe@gmail.com")


def test_dates_shift_per_entity_within_30_days() -> None:
    masker = Masker(KEY)
    born = dt.date(1980, 5, 17)
    shifts = set()
    for entity in range(200):
        shift = (dt.date.fromisoformat(masker.mask("date", born.isoformat(), str(entity))) - born).days
        assert 0 < abs(shift) <= 30
        shifts.add(shift)
    assert len(shifts) > 30  # offsets differ between people
    # one entity's dates move together: their distance survives, the time part too
    a, b = masker.mask("date", "1980-05-17", "7"), masker.mask("date", "1980-05-27 10:00:00+00", "7")
    assert (dt.date.fromisoformat(b[:10]) - dt.date.fromisoformat(a)).days == 10
    assert b.endswith(" 10:00:00+00")


def test_length_limit_is_respected() -> None:
    assert len(Masker(KEY).mask("email", "someone@example.org", limit=12)) == 12


def test_key_is_required_and_long_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETLQ_MASK_KEY", raising=False)
    with pytest.raises(EtlqError, match="no masking key: sanitize refuses to run without one"):
        resolve_key()
    monkeypatch.setenv("ETLQ_MASK_KEY", "short")
    with pytest.raises(EtlqError, match="masking key from ETLQ_MASK_KEY is shorter than 16 characters"):
        resolve_key()
    monkeypatch.setenv("ETLQ_MASK_KEY", "k" * 16)
    assert resolve_key() == b"k" * 16


def test_key_from_secrets_manager(moto_endpoint: str) -> None:
    client = boto3.client("secretsmanager")
    client.create_secret(Name="etlq/mask-plain", SecretString="plain-secret-key-0123")
    client.create_secret(Name="etlq/mask-json", SecretString=json.dumps({"mask_key": "json-secret-key-0123"}))
    assert resolve_key("etlq/mask-plain") == b"plain-secret-key-0123"
    assert resolve_key("etlq/mask-json") == b"json-secret-key-0123"
    with pytest.raises(EtlqError, match="cannot read masking key secret 'etlq/nope'"):
        resolve_key("etlq/nope")
