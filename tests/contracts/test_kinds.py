"""The check-kind registry: every kind says everything about itself, and a new kind (max_length)
works end to end: contract key, SQL engine, GX engine, DQDL, datagen (clean data satisfies it,
its planted violation breaks it)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from etlq.checks import run_checks
from etlq.contracts import load_contracts
from etlq.contracts.kinds import BY_NAME, KINDS
from etlq.contracts.sections import CHECK_KEYS, COLUMN_KEYS
from etlq.datagen import DEFECT_KINDS, GenerateOptions, generate
from etlq.export.dqdl import ruleset
from fixtures.database import query

DOCS = (Path(__file__).parents[2] / "docs" / "contracts.md").read_text()
RUN_DATE = dt.date(2024, 3, 1)
NOTES = """\
table: app.notes
primary_key: [note_id]
columns:
  note_id: {type: bigint, nullable: false}
  title: {type: text, nullable: false, max_length: 24}
  body: {type: character varying(300), max_length: {value: 80, severity: warn}}
"""


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_every_kind_states_each_form(kind) -> None:
    assert [kind.condition, kind.scan, kind.run].count(None) == 2, "exactly one SQL form"
    assert (kind.scan is None) == (kind.read_scan is None)
    assert kind.gx is not None or kind.no_gx, "a kind without a GX form must say why"
    assert f"`{kind.name}`" in DOCS, "docs/contracts.md lists the kind under Check ids"
    for key in kind.column_keys:
        assert f"`columns.<c>.{key}`" in DOCS or f"`columns.<c>.min`, `{key}`" in DOCS
    for key in kind.check_keys:
        assert f"`checks.{key}`" in DOCS
    if kind.violate is not None:
        assert f"{kind.name}_violation" in DEFECT_KINDS


def test_keys_come_from_the_kinds_and_no_two_kinds_share_one() -> None:
    owned = [key for k in KINDS for key in k.column_keys]
    assert len(owned) == len(set(owned))
    assert set(owned) <= set(COLUMN_KEYS)
    assert "max_length" in COLUMN_KEYS
    assert tuple(key for k in KINDS for key in k.check_keys) == CHECK_KEYS
    assert {k.name for k in KINDS if k.aggregate} == {"row_count", "freshness", "reconcile", "anomaly"}


def test_a_kind_without_a_gx_form_is_reported_as_such(monkeypatch, tmp_path: Path) -> None:
    from etlq.checks.gx import compile_expectation
    from etlq.checks.plan import plan_checks

    contracts = _notes(tmp_path)
    monkeypatch.setitem(BY_NAME, "max_length", replace(BY_NAME["max_length"], gx=None, no_gx="not yet"))
    spec = next(s for s in plan_checks(contracts) if s.kind == "max_length")
    assert compile_expectation(spec) is None


def _notes(root: Path) -> list:
    (root / "contracts" / "app").mkdir(parents=True)
    (root / "contracts" / "app" / "notes.yml").write_text(NOTES)
    return load_contracts(root / "contracts")


def test_max_length_plan_and_dqdl(tmp_path: Path) -> None:
    [contract] = _notes(tmp_path)
    rules = ruleset(contract).rules
    assert 'ColumnLength "title" <= 24' in rules and 'ColumnLength "body" <= 80' in rules
    assert contract.column("title").checks["max_length"].value == 24


def _load(url: str, out: Path, keep: set[int]) -> None:
    """The generated file's clean rows and the planted rows whose line is in ``keep``."""
    path = out / "app" / "notes.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    doc = json.loads((out / "manifest.json").read_text())
    planted = {d["line"] for d in doc["defects"]}
    kept = [r for n, r in enumerate(rows[1:], start=2) if n not in planted or n in keep]
    query(url, "CREATE SCHEMA app; CREATE TABLE app.notes (note_id bigint, title text, body varchar(300))")
    query(
        url,
        "INSERT INTO app.notes SELECT (r->>0)::bigint, r->>1, nullif(r->>2, '')"
        " FROM json_array_elements(%s::json) r",
        (json.dumps(kept),),
    )


def test_max_length_datagen_clean_passes_planted_violation_fails(
    fresh_database_url: str, tmp_path: Path
) -> None:
    from etlq.checks.gx import run_gx

    contracts = _notes(tmp_path)
    out = tmp_path / "out"
    options = GenerateOptions(out=str(out), rows=400, seed=5, run_date=RUN_DATE, defects=0.1, tables="app.*")
    generate(contracts, options)
    doc = json.loads((out / "manifest.json").read_text())
    violations = [d for d in doc["defects"] if d["kind"] == "max_length_violation"]
    by_column = {c: sum(d["column"] == c for d in violations) for c in ("title", "body")}
    assert by_column["title"] > 0 and by_column["body"] > 0, by_column
    assert {d["expect"] for d in violations} == {
        "app.notes::max_length[title]",
        "app.notes::max_length[body]",
    }
    _load(fresh_database_url, out, keep={d["line"] for d in violations})
    sql = {r.id: r for r in run_checks(fresh_database_url, contracts, select="*::max_length[*]").results}
    gx = {r.id: r for r in run_gx(fresh_database_url, contracts, select="*::max_length[*]").results}
    for column, n in by_column.items():
        check = f"app.notes::max_length[{column}]"
        assert (sql[check].outcome, sql[check].failing) == ("failed", n)
        assert (gx[check].outcome, gx[check].failing) == ("failed", n)
    limit = {"title": 24, "body": 80}
    assert sql["app.notes::max_length[title]"].message.endswith("with title longer than 24 characters")
    assert all(len(row["title"]) > limit["title"] for row in sql["app.notes::max_length[title]"].sample)
    assert sql["app.notes::max_length[body]"].severity == "warn"


def test_max_length_datagen_clean_data_satisfies_it(fresh_database_url: str, tmp_path: Path) -> None:
    contracts = _notes(tmp_path)
    out = tmp_path / "out"
    generate(contracts, GenerateOptions(out=str(out), rows=400, seed=5, run_date=RUN_DATE, tables="app.*"))
    _load(fresh_database_url, out, keep=set())
    run = run_checks(fresh_database_url, contracts, select="*::max_length[*]")
    assert {(r.id, r.outcome, r.failing) for r in run.results} == {
        ("app.notes::max_length[title]", "passed", 0),
        ("app.notes::max_length[body]", "passed", 0),
    }
    longest = query(
        fresh_database_url, "SELECT max(char_length(title)), max(char_length(body)) FROM app.notes"
    )
    assert longest[0][0] <= 24  # drawn values are cut to the limit, never over
    assert longest[0][1] <= 80
