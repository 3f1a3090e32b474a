"""Mutation operators give the expected SQL on small statements; every etl statement round-trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etlq.errors import EtlqError
from etlq.mutate.generate import generate, select_statements
from etlq.mutate.operators import OPERATORS
from etlq.mutate.report import EQUIVALENT_FILE, load_equivalent
from etlq.mutate.sql import parse, round_trip
from etlq.pipeline import find_pipeline

ROOT = Path(__file__).resolve().parents[2]
NOTHING = "INSERT INTO s.t (a) VALUES (1) ON CONFLICT (a) DO NOTHING"
COLUMNS = {"s.t": [("a", "integer"), ("b", "integer"), ("c", "text")]}


def mutants(sql: str, operator: str) -> dict[str, str]:
    found = generate({"s.q": sql}, COLUMNS, operators=[operator])
    return {m.what: m.sql(COLUMNS) for m in found.mutants}


@pytest.mark.parametrize(
    ("operator", "sql", "expected"),
    [
        ("relational", "SELECT a FROM s.t WHERE a < 1", {"< -> >=": "SELECT a FROM s.t WHERE a >= 1"}),
        (
            "and_or",
            "SELECT a FROM s.t WHERE a = 1 AND b = 2",
            {"AND -> OR": "SELECT a FROM s.t WHERE a = 1 OR b = 2"},
        ),
        (
            "drop_predicate",
            "SELECT a FROM s.t WHERE a = 1 AND b = 2",
            {"WHERE: conjunct 1 of 2 dropped": "SELECT a FROM s.t WHERE b = 2"},
        ),
        (
            "join_type",
            "SELECT 1 FROM s.t x JOIN s.t y ON x.a = y.b",
            {"JOIN -> LEFT JOIN": "SELECT 1 FROM s.t x LEFT JOIN s.t y ON x.a = y.b"},
        ),
        ("aggregate", "SELECT sum(a) FROM s.t", {"sum -> avg": "SELECT avg(a) FROM s.t"}),
        (
            "aggregate",
            "SELECT count(a) FROM s.t",
            {"count(x) -> count(DISTINCT x)": "SELECT count(DISTINCT a) FROM s.t"},
        ),
        ("constant", "SELECT 0", {"0 -> 1": "SELECT 1", "0 -> -1": "SELECT -1"}),
        ("column", "SELECT a FROM s.t", {"a -> b AS a": "SELECT b AS a FROM s.t"}),
        (
            "sort_order",
            "SELECT a FROM s.t ORDER BY a DESC",
            {"DESC -> ASC": "SELECT a FROM s.t ORDER BY a ASC"},
        ),
        ("distinct", "SELECT DISTINCT a FROM s.t", {"DISTINCT dropped": "SELECT a FROM s.t"}),
        ("coalesce", "SELECT coalesce(a, 0) FROM s.t", {"COALESCE(a, ...) -> a": "SELECT a FROM s.t"}),
        (
            "lead_lag",
            "SELECT lag(a) OVER (ORDER BY b) FROM s.t",
            {"lag -> lead": "SELECT lead(a) OVER (ORDER BY b) FROM s.t"},
        ),
        (
            "distinct_from",
            "SELECT a FROM s.t WHERE a IS DISTINCT FROM b",
            {"IS DISTINCT FROM -> IS NOT DISTINCT FROM": "SELECT a FROM s.t WHERE a IS NOT DISTINCT FROM b"},
        ),
        (
            "on_conflict",
            "INSERT INTO s.t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b",
            {"ON CONFLICT DO UPDATE -> DO NOTHING": NOTHING},
        ),
    ],
)
def test_operator_gives_the_expected_sql(operator: str, sql: str, expected: dict[str, str]) -> None:
    got = mutants(sql, operator)
    for what, mutated in expected.items():
        assert parse("x", got[what]).tree == parse("x", mutated).tree, got[what]


def test_ids_are_deterministic_and_sampling_follows_the_seed() -> None:
    sql = "SELECT a FROM s.t WHERE a < 1 AND b > 2 ORDER BY a"
    first, again = generate({"s.q": sql}, COLUMNS), generate({"s.q": sql}, COLUMNS)
    assert [m.id for m in first.mutants] == [m.id for m in again.mutants]
    assert "s.q:relational:whereClause.args[0]:0" in first.ids
    sampled = [generate({"s.q": sql}, COLUMNS, limit=3, seed=s).mutants for s in (1, 1, 2)]
    assert [m.id for m in sampled[0]] == [m.id for m in sampled[1]] and len(sampled[0]) == 3
    assert [m.id for m in sampled[0]] != [m.id for m in sampled[2]]


def test_psycopg2_parameters_and_percent_signs_survive() -> None:
    sql = "SELECT a FROM s.t WHERE b = %(run_id)s AND c LIKE '-%%' AND a < %(run_id)s"
    parsed = parse("s.q", sql)
    assert parsed.params == ("run_id",)
    assert parsed.text().count("%(run_id)s") == 2 and "'-%%'" in parsed.text()


def test_every_etl_statement_round_trips() -> None:
    pipeline = find_pipeline().pipeline
    assert pipeline is not None
    statements = pipeline.statements()
    assert {n.split(".")[0] for n in statements} == {"ingest", "silver", "gold"}
    for name, sql in statements.items():
        parsed = parse(name, sql)
        assert round_trip(parsed) is None
        assert set(parsed.params) == set(re.findall(r"%\((\w+)\)s", sql))


def test_a_glob_that_matches_nothing_is_bad_input() -> None:
    with pytest.raises(EtlqError, match="matches no statement"):
        select_statements({"silver.a": "SELECT 1"}, "gold.*")


def test_every_committed_equivalent_mark_names_a_generated_mutant() -> None:
    """testdata/mutate/equivalent.yml: each mark has a reason and names a mutant the ETL's SQL
    still yields (a stale mark would hide nothing, and hide that it does). The column operator
    needs the catalog, so its mutants are not generated here: marks of it are refused."""
    pipeline = find_pipeline().pipeline
    assert pipeline is not None
    marks = load_equivalent(ROOT / EQUIVALENT_FILE)
    assert marks, "no marks read: the file moved?"
    operators = [o for o in OPERATORS if o != "column"]
    generated = generate(pipeline.statements(), {}, operators=operators)
    assert [m for m in marks if m not in generated.ids] == []
    assert all(len(reason.split()) >= 5 for reason in marks.values())
