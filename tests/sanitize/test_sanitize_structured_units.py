"""The pieces under structured masking and the leak scan: arrays, json documents, scrubbing free
text, normalization (Python and SQL alike) and what counts as a leak."""

from __future__ import annotations

import json
import re

import pytest
from sanitize_support import query

from etlq.sanitize import Masker
from etlq.sanitize.leakscan import KnownValues, h64, normalize, normalize_sql
from etlq.sanitize.structured import format_array, mask_array, mask_json, parse_array, scrub

KEY = b"unit-test-key-0123456789"


@pytest.mark.parametrize(
    ("text", "elements"),
    [
        ('{"a b","c\\"d",NULL,plain,"back\\\\slash",""}', ["a b", 'c"d', None, "plain", "back\\slash", ""]),
        ("{{a,b},{c,NULL}}", [["a", "b"], ["c", None]]),
        ("{}", []),
    ],
)
def test_arrays_parse_and_format_back(text: str, elements: list[object]) -> None:
    bounds, parsed = parse_array(text)
    assert (bounds, parsed) == ("", elements)
    assert parse_array(format_array(bounds, parsed)) == ("", elements)
    assert parse_array("[0:1]={x,y}") == ("[0:1]=", ["x", "y"])


def test_array_elements_mask_like_the_column_method() -> None:
    masker = Masker(KEY)
    out, residual = mask_array(masker, "email", '{"Ann@X.com",NULL,"b@y.org"}', limit=None)
    assert parse_array(out)[1] == [masker.mask("email", "ann@x.com"), None, masker.mask("email", "b@y.org")]
    assert residual is None
    out, _ = mask_array(masker, "name", "{Ann,Bob}", limit=4)
    assert all(len(e) <= 4 for e in parse_array(out)[1])


def test_a_document_nothing_is_masked_in_stays_byte_for_byte() -> None:
    text = '{"n":1.10,  "flag": true, "tags": ["x", null], "big": 12345678901234567890}'
    assert mask_json(Masker(KEY), text, None, False) == (
        text,
        ["n", "flag", "tags", "big", "1.10", "x", "12345678901234567890"],
    )


def test_document_masking_by_keys_and_values() -> None:
    masker = Masker(KEY)
    doc = {
        "email": "Ann@X.com",
        "name": {"first": "Ann", "last": "Lee", "title": "Dr"},
        "phone": 4915112345678,
        "client_ip": "10.1.2.3",
        "since": "2024-01-15",
        "n": 1.10,
        "notes": ["call +1 555 123 4567", "vip"],
        "dup": 1,
    }
    text = json.dumps(doc)[:-1] + ', "dup": 2}'  # duplicate keys survive (json keeps them)
    out, residual = mask_json(masker, text, None, False, entity="7")
    assert out.endswith('"dup": 1, "dup": 2}') and '"n": 1.1,' in out
    masked = json.loads(out)
    assert masked["email"] == masker.mask("email", "ann@x.com")
    assert masked["name"]["first"] == masker.mask("first_name", "Ann")
    assert masked["name"]["last"] == masker.mask("last_name", "Lee")
    assert masked["name"]["title"] == masker.mask("name", "Dr")  # under "name": personal
    assert isinstance(masked["phone"], int) and len(str(masked["phone"])) == 13
    assert masked["phone"] != 4915112345678
    assert masked["client_ip"] != "10.1.2.3" and re.fullmatch(r"[\d.]+", masked["client_ip"])
    assert masked["since"] == "2024-01-15" and masked["notes"][1] == "vip"
    assert re.fullmatch(r"call \+\d \d{3} \d{3} \d{4}", masked["notes"][0]) and "555 123" not in out
    assert "call  " in residual and "vip" in residual and "Ann" not in residual
    # the column's name is the outermost key: an "address" document is an address throughout
    out, _ = mask_json(masker, '{"line1": "12 Main St", "zip": "10115"}', "address", False)
    assert all(v != w for v, w in zip(json.loads(out).values(), ("12 Main St", "10115"), strict=True))


def test_scrub_replaces_addresses_and_phones_and_keeps_the_rest() -> None:
    masker = Masker(KEY)
    text = "mail Ann@X.com or +1 (555) 123-4567 on 2024-01-15 10:30 from 10.20.30.40, order 12345678"
    out, rest = scrub(masker, text)
    email = masker.mask("email", "ann@x.com")
    assert re.fullmatch(
        rf"mail {re.escape(email)} or \+\d \(\d{{3}}\) \d{{3}}-\d{{4}}"
        r" on 2024-01-15 10:30 from 10.20.30.40, order 12345678",
        out,
    ), out
    assert rest == "mail   or   on 2024-01-15 10:30 from 10.20.30.40, order 12345678"


def test_normalization_is_the_same_in_python_and_postgresql(source_url: str) -> None:
    samples = ["Ann.Lee@Mail.TEST", " (555) 0107-77 ", "Zoë NÚÑEZ-Ærø 北京", "a\\b]c^d_e`f{g~h\x7fi\tj", "--"]
    for value in samples:
        literal = "'" + value.replace("'", "''") + "'"
        assert query(source_url, f"SELECT {normalize_sql(literal)}") == [(normalize(value),)], value
    assert normalize(samples[0]) == "ann lee mail test" and normalize(samples[2]) == "zoë nÚÑez Ærø 北京"


def _known(*values: str) -> KnownValues:
    known = KnownValues()
    for v in values:
        n = normalize(v)
        distinctive = len(n.replace(" ", "")) >= 6 and (" " in n or any(c.isdigit() for c in n))
        known.add("s.t.c", h64(n), distinctive, h64(n.split(" ")[0]), len(n.split(" ")))
    return known


def test_what_counts_as_a_leak() -> None:
    known = _known("Ann Lee", "Felix", "(555) 0107-77", "ann.lee@mail.test", "10115")
    assert known.find("Dear Ann Lee, hello") and known.find("ANN  LEE")
    assert not known.find("Joann Lee") and not known.find("Ann Leeds")  # tokens never split words
    assert known.find("Felix") and not known.find("Felix the cat")  # one plain word: whole values only
    assert known.find("call 555-0107-77 now")  # separators differ, the digits are the same
    assert known.find('{"to": "<Ann.Lee@Mail.test>"}')
    assert known.find("10115") and not known.find("order 10115 shipped")  # 5 digits: whole only
    assert not known.find("") and not known.find("nothing here")
