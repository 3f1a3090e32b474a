"""Personal data inside json documents, text arrays and free text (crm.contacts): masked where it
sits, joins kept, and the leak scan finds source values inside any text-like output value."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sanitize_support import EMAIL, plan, query, sanitize_argv, schemas_in

from etlq.contracts.model import Column, Contract
from etlq.sanitize import SanitizeOptions, sanitize
from etlq.sanitize.structured import parse_array
from fixtures.cli import Etlq

PROFILE_PII = ("email", "phone", "first", "last", "value")  # leaves of crm.contacts.profile


def _args(source_url: str, *more: str) -> tuple[str, ...]:
    return sanitize_argv(source_url, "crm.contacts", "--where", "id <= 10", *more)


def _leaves(doc: Any, path: str = "") -> dict[str, Any]:
    if isinstance(doc, dict):
        return {k: v for key, sub in doc.items() for k, v in _leaves(sub, f"{path}/{key}").items()}
    if isinstance(doc, list):
        return {k: v for i, sub in enumerate(doc) for k, v in _leaves(sub, f"{path}/{i}").items()}
    return {path: doc}


def _source_pii(url: str) -> set[str]:
    """Every personal value of the source, over all rows, lower-cased: the plain columns, the
    array elements, the profile's personal leaves, the addresses inside the notes."""
    values = {
        str(v).lower()
        for row in query(url, "SELECT email, full_name, phone FROM shop.customers")
        for v in row
        if v is not None
    }
    for emails, profile, note in query(url, "SELECT emails, profile, note FROM crm.contacts"):
        values |= {e.lower() for e in emails if e}
        values |= {str(v).lower() for k, v in _leaves(profile).items() if k.rsplit("/", 1)[1] in PROFILE_PII}
        values |= {m.lower() for m in re.findall(r"\S+@\S+\.test", note)}
    # customers: 50 emails, 50 names, 45 phones; each contact adds 5 of its own (its first
    # address, the profile's and the note's are its customer's e-mail address)
    assert len(values) == 145 + 20 * 5
    return values


def _output_texts(url: str) -> list[tuple[str, str]]:
    """Every column of every output table, cast to text: (table.column, value)."""
    columns = query(
        url,
        "SELECT table_schema, table_name, column_name FROM information_schema.columns"
        " WHERE table_schema IN ('shop', 'crm')",
    )
    found = []
    for schema, table, column in columns:
        sql = f'SELECT "{column}"::text FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        found += [(f"{schema}.{table}.{column}", v) for (v,) in query(url, sql)]
    return found


def test_json_arrays_and_free_text_are_masked_consistently(
    etlq: Etlq, source_url: str, fresh_database_url: str, mask_key: str
) -> None:
    code, out, err = etlq(*_args(source_url, "--target-url", fresh_database_url, "--format", "json"))
    assert (code, err) == (0, ""), err
    report = json.loads(out)
    assert report["leaks"] == [] and report["written"] is True
    assert [
        (m["column"], m["method"], m["reason"]) for m in report["masking"] if m["table"] == "crm.contacts"
    ] == [
        ("emails", "email[]", "name"),
        ("profile", "json", "values"),
        ("note", "scrub", "values"),
    ]

    # an independent scan: no source personal value is a substring of any output value
    pii = _source_pii(source_url)
    texts = _output_texts(fresh_database_url)
    assert len(texts) > 10 * 5 + 10 * 6
    assert [(where, value) for where, value in texts if any(p in value.lower() for p in pii)] == []

    sql = (
        "SELECT c.id, c.email, k.emails, k.profile, k.note, k.tags FROM crm.contacts k"
        " JOIN shop.customers c ON c.id = k.customer_id ORDER BY c.id"
    )
    source = {r[0]: r for r in query(source_url, sql.replace("ORDER BY", "WHERE c.id <= 10 ORDER BY"))}
    rows = query(fresh_database_url, sql)
    assert [r[0] for r in rows] == list(range(1, 11))
    for cid, email, emails, profile, note, tags in rows:
        _, _, src_emails, src_profile, src_note, src_tags = source[cid]
        # the same address masks alike in the plain column, the array, the document and the text
        assert EMAIL.match(email)
        assert emails[0] == email and profile["email"] == email
        assert note == f"contact me at {email}, or call"
        assert EMAIL.match(emails[1]) and emails[1] != email and emails[2] is None
        # the document keeps its structure and every field that is not personal
        masked, before = _leaves(profile), _leaves(src_profile)
        assert masked.keys() == before.keys()
        for path, value in before.items():
            if path.rsplit("/", 1)[1] in PROFILE_PII:
                assert value != masked[path] and type(value) is type(masked[path]), path
            else:
                assert masked[path] == value, path  # lang, newsletter, score, since, nick, age, kind
        assert re.sub(r"\d", "9", profile["phone"]) == re.sub(r"\d", "9", src_profile["phone"])
        assert re.fullmatch(r"[A-Z][a-z]+", profile["name"]["first"])
        assert re.fullmatch(r"[A-Z][a-z]+", profile["name"]["last"])
        assert EMAIL.match(profile["contacts"][0]["value"])
        assert tags == src_tags and src_note != note and src_emails != emails


@pytest.mark.parametrize(
    ("kept", "sources"),
    [
        ("profile", ("crm.contacts.emails", "crm.contacts.note")),  # a json column
        ("note", ("crm.contacts.emails", "crm.contacts.profile")),  # free text with an embedded address
    ],
)
def test_kept_structured_column_is_a_leak(
    etlq: Etlq, source_url: str, fresh_database_url: str, mask_key: str, kept: str, sources: tuple[str, ...]
) -> None:
    code, out, err = etlq(
        *_args(source_url, "--target-url", fresh_database_url, "--keep", f"crm.contacts.{kept}")
    )
    assert code == 1
    assert err.splitlines() == [
        f"LEAK crm.contacts.{kept}: 10 rows hold values of {source}"
        for source in (*sources, "shop.customers.email")
    ]
    assert "NOT written (leak found)" in out
    assert schemas_in(fresh_database_url, "crm", "shop") == 0


def test_names_inside_unmasked_free_text_are_leaks_in_files(
    etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str
) -> None:
    """crm.calls has no address anywhere, so nothing masks its texts; they name customers as
    shop.customers.full_name and the profile's first/last names do."""
    code, _, err = etlq(*sanitize_argv(source_url, "crm.calls", "--out", str(tmp_path), "--where", "id <= 3"))
    assert code == 1
    assert err.splitlines() == [
        "LEAK crm.calls.remark: 3 rows hold values of shop.customers.full_name",
        "LEAK crm.calls.follow_up: 3 rows hold values of crm.contacts.profile",
    ]
    assert sorted(p.name for p in tmp_path.rglob("*.csv")) == []
    report = json.loads((tmp_path / "sanitize-report.json").read_text())
    assert report["written"] is False and len(report["leaks"]) == 2


def test_kept_array_is_a_leak_in_files_and_arrays_are_written_as_arrays(
    etlq: Etlq, source_url: str, tmp_path: Path, mask_key: str
) -> None:
    args = _args(source_url, "--out")
    code, _, err = etlq(*args, str(tmp_path / "leak"), "--keep", "crm.contacts.emails")
    assert (
        code == 1
        and err.splitlines()[0] == "LEAK crm.contacts.emails: 10 rows hold values of crm.contacts.note"
    )
    assert sorted(p.name for p in (tmp_path / "leak").rglob("*.csv")) == []
    code, _, err = etlq(*args, str(tmp_path / "ok"))
    assert (code, err) == (0, "")
    csv_text = (tmp_path / "ok" / "crm" / "contacts.csv").read_text()
    assert "@mail.test" not in csv_text.lower() and "quenby" not in csv_text.lower()
    with open(tmp_path / "ok" / "crm" / "contacts.csv", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    bounds, elements = parse_array(first["emails"])
    assert bounds == "" and EMAIL.match(elements[0]) and EMAIL.match(elements[1]) and elements[2] is None
    assert json.loads(first["profile"])["prefs"] == {
        "lang": "en",
        "nick": None,
        "score": 1.5,
        "since": "2020-01-01",
        "newsletter": False,
    }


def test_contract_tags_on_arrays_and_documents(source_url: str) -> None:
    tagged = Contract(
        table="crm.contacts",
        path=Path("crm/contacts.yml"),
        columns=(
            Column("id", "integer"),
            Column("tags", "character varying(16)[]", pii="free_text"),
            Column("emails", "text[]", pii="email"),
            Column("profile", "jsonb", pii="free_text"),
            Column("note", "text", pii="free_text"),
        ),
    )
    report = plan(source_url, "crm.contacts", [tagged])
    assert [m for m in report.masking if m["table"] == "crm.contacts"] == [
        {"table": "crm.contacts", "column": "tags", "method": "free_text[]", "reason": "contract"},
        {"table": "crm.contacts", "column": "emails", "method": "email[]", "reason": "contract"},
        {"table": "crm.contacts", "column": "profile", "method": "json_all", "reason": "contract"},
        {"table": "crm.contacts", "column": "note", "method": "free_text", "reason": "contract"},
    ]
    for tag in ("name", "json"):  # any tag but free_text masks a document by keys and values
        named = Contract(
            table="crm.contacts", path=Path("c.yml"), columns=(Column("profile", "jsonb", pii=tag),)
        )
        assert plan(source_url, "crm.contacts", [named]).masking[-1] == {
            "table": "crm.contacts",
            "column": "profile",
            "method": "json",
            "reason": "contract",
        }


def test_contract_json_all_masks_every_string_and_keeps_the_rest(
    source_url: str, fresh_database_url: str, mask_key: str
) -> None:
    tagged = Contract(
        table="crm.contacts",
        path=Path("c.yml"),
        columns=(
            Column("profile", "jsonb", pii="free_text"),
            Column("emails", "text[]", pii="email"),
            Column("note", "text", pii="free_text"),
        ),
    )
    report = sanitize(
        SanitizeOptions(
            source_url=source_url,
            root="crm.contacts",
            where="id = 4",
            contracts=[tagged],
            target_url=fresh_database_url,
        )
    )
    assert report.exit_code == 0 and report.written
    (before,), (after,) = (
        query(u, "SELECT profile FROM crm.contacts WHERE id = 4")[0] for u in (source_url, fresh_database_url)
    )
    masked, kept = _leaves(after), _leaves(before)
    assert masked.keys() == kept.keys()
    for path, value in kept.items():
        if isinstance(value, str):
            assert masked[path] != value and len(masked[path]) > 0, path
        else:
            assert masked[path] == value, path  # numbers, booleans, null
    assert masked["/prefs/since"] != "2020-01-04" and re.fullmatch(
        r"\d{4}-\d{2}-\d{2}", masked["/prefs/since"]
    )
