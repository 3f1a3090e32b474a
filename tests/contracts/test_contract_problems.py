"""Every mistake of every contract file at once (``etlq contract validate``), and type names that
are certainly wrong (a misspelt built-in, a modifier on a type that takes none)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etlq.contracts import load_contracts
from etlq.contracts.types import BUILTIN_TYPES
from fixtures.cli import Etlq
from fixtures.database import query

SEVEN_MISTAKES = """\
table: sales.orders
primary_key: [order_id, nope]
columns:
  order_id: {type: bigintt, nullable: false}
  amount: {type: money(12)}
  status: {type: text, acepted: [A, B]}
  note: {type: text, max_length: -1}
  fine: {type: text}
checks:
  unique: [[order_idd]]
  rules:
    - {name: r1}
"""


def expected_lines(path: Path) -> list[str]:
    """Written out by hand, in line order, one per mistake."""
    return [
        f"{path}:2: primary_key names column 'nope', which is not in 'columns' (did you mean 'note'?)",
        f"{path}:4: 'type' in column 'order_id': unknown type 'bigintt' (did you mean 'bigint'? if it is"
        " the database's own type, write it schema-qualified, e.g. 'public.bigintt')",
        f"{path}:5: 'type' in column 'amount': type 'money' takes no modifier such as (12): write 'money'",
        f"{path}:6: unknown key 'acepted' in column 'status' (did you mean 'accepted'?)",
        f"{path}:7: 'max_length' in column 'note' must be a whole number >= 1, got int -1",
        f"{path}:10: checks.unique names column 'order_idd', which is not in 'columns'"
        " (did you mean 'order_id'?)",
        f"{path}:12: an entry of checks.rules needs 'name' and 'expression'",
    ]


def write(root: Path, table: str, text: str) -> Path:
    schema, name = table.split(".")
    path = root / schema / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_validate_lists_every_mistake_of_a_file(tmp_path: Path, etlq: Etlq) -> None:
    path = write(tmp_path, "sales.orders", SEVEN_MISTAKES)
    code, out, err = etlq("contract", "validate", "--contracts", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"etlq: error: {line}" for line in expected_lines(path)]


def test_validate_json_lists_every_mistake_with_its_place(tmp_path: Path, etlq: Etlq) -> None:
    path = write(tmp_path, "sales.orders", SEVEN_MISTAKES)
    code, out, _ = etlq("contract", "validate", "--contracts", str(tmp_path), "--format", "json")
    error = json.loads(out)["error"]
    assert code == 2 == error["exit_code"]
    assert [p["message"] for p in error["problems"]] == expected_lines(path)
    assert [p["where"] for p in error["problems"]] == [f"{path}:{n}" for n in (2, 4, 5, 6, 7, 10, 12)]
    assert error["message"].startswith(expected_lines(path)[0])
    assert error["message"].endswith(
        "(and 6 more contract problems: `etlq contract validate` lists them all)"
    )


def test_mistakes_of_every_file_and_between_files(tmp_path: Path, etlq: Etlq) -> None:
    a = write(tmp_path, "sales.a", "table: sales.a\ncolumns:\n  x: {type: intger}\n")
    write(tmp_path, "sales.b", "table: sales.b\ncolumns:\n  x: {type: int, references: sales.a.y}\n")
    c = write(tmp_path, "sales.c", "table: sales.c\ncolumns:\n  x: {type: int, nulable: false}\n")
    code, _, err = etlq("contract", "validate", "--contracts", str(tmp_path))
    assert code == 2
    places = [line.split(": ", 2)[2].split(": ")[0] for line in err.splitlines()]
    # a.yml cannot load, so b's reference to it is not checked; c's own mistake still is
    assert places == [f"{a}:3", f"{c}:3"]


def test_a_single_mistake_reads_as_before(tmp_path: Path) -> None:
    path = write(tmp_path, "sales.a", "table: sales.a\ncolumns:\n  x: {type: varchr(10)}\n")
    with pytest.raises(Exception) as caught:
        load_contracts(tmp_path)
    assert str(caught.value).startswith(
        f"{path}:3: 'type' in column 'x': unknown type 'varchr' (did you mean"
    )
    assert "more contract problem" not in str(caught.value)


@pytest.mark.parametrize(
    ("spelled", "loads_as"),
    [
        ("mood", "mood"),  # an enum on the search path
        ("app.mood", "app.mood"),
        ('"Sales"."Mood"', '"Sales"."Mood"'),
        ("citext", "citext"),
        ("geometry(Point,4326)", "geometry(Point,4326)"),
        ("interval second(3)", "interval second(3)"),
        ("timestamp(3) with time zone", "timestamp(3) with time zone"),
        ("money", "money"),
        ("tstzrange", "tstzrange"),
    ],
)
def test_types_that_may_be_right_load(tmp_path: Path, spelled: str, loads_as: str) -> None:
    write(tmp_path, "sales.a", f"table: sales.a\ncolumns:\n  x: {{type: '{spelled}'}}\n")
    (contract,) = load_contracts(tmp_path)
    assert contract.columns[0].type == loads_as


def test_builtin_type_names_are_the_servers_own_spelling(database_url: str) -> None:
    names = sorted(BUILTIN_TYPES)
    rows = query(
        database_url,
        "SELECT n, format_type(to_regtype(n), NULL) FROM unnest(%s::text[]) AS n",
        (names,),
    )
    wrong = {n: printed for n, printed in rows if printed != n}
    assert wrong == {}
