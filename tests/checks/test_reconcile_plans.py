"""Reconcile's two plans: one FULL JOIN pass when the database keeps the key unique on both
sides, the general statement (EXCEPT both ways) otherwise. Planted missing, extra and changed
rows (NULL against a value both ways; NULL against NULL is no change) give exact counts in
both, both agree on counts and samples, and duplicated or NULL keys are never joined blindly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event

from etlq.checks import run_checks
from etlq.contracts import load_contracts
from fixtures.database import query

SOURCE_ROWS = """
INSERT INTO rp.{t} (id, amount, note, live)
SELECT g, g * 1.5, CASE WHEN g IN (9, 10) THEN NULL ELSE 'n' || g END, g <> 25
FROM generate_series(1, 30) AS g;
UPDATE rp.{t} SET amount = NULL WHERE id = 11;
"""
# from the source rows: 3 missing (5, 17, 29), 2 extra (101, 102), 3 changed: 7 (amount),
# 8 (note: value -> NULL), 9 (note: NULL -> value); 10 (note) and 11 (amount) are NULL on both
TARGET_ROWS = """
INSERT INTO rp.{t} (id, amount, note) SELECT id, amount, note FROM rp.{source};
DELETE FROM rp.{t} WHERE id IN (5, 17, 29);
INSERT INTO rp.{t} (id, amount, note) VALUES (101, 1.00, 'new'), (102, NULL, NULL);
UPDATE rp.{t} SET amount = amount + 1 WHERE id = 7;
UPDATE rp.{t} SET note = NULL WHERE id = 8;
UPDATE rp.{t} SET note = 'now set' WHERE id = 9;
"""
COLUMNS = "amount numeric(12,2), note text"
WORLD = f"""
CREATE SCHEMA rp;
CREATE TABLE rp.src_keyed (id int PRIMARY KEY, {COLUMNS}, live boolean);
CREATE TABLE rp.dst_keyed (id int PRIMARY KEY, {COLUMNS});
CREATE TABLE rp.src_heap (id int, {COLUMNS}, live boolean);
CREATE TABLE rp.dst_heap (id int, {COLUMNS});
CREATE TABLE rp.src_dup (id int, {COLUMNS}, live boolean);
CREATE TABLE rp.dst_dup (id int, {COLUMNS});
CREATE TABLE rp.src_null (id int UNIQUE, {COLUMNS}, live boolean);
CREATE TABLE rp.dst_null (id int UNIQUE, {COLUMNS});
CREATE TABLE rp.dst_inh (id int PRIMARY KEY, {COLUMNS});
CREATE TABLE rp.dst_inh_child () INHERITS (rp.dst_inh);
CREATE TABLE rp.dst_deferred (id int, {COLUMNS}, UNIQUE (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE rp.dst_include (id int NOT NULL, {COLUMNS}, UNIQUE (id) INCLUDE (note));
CREATE TABLE rp.dst_part (id int PRIMARY KEY, {COLUMNS}) PARTITION BY RANGE (id);
CREATE TABLE rp.dst_part_low PARTITION OF rp.dst_part FOR VALUES FROM (MINVALUE) TO (20);
CREATE TABLE rp.dst_part_high PARTITION OF rp.dst_part FOR VALUES FROM (20) TO (MAXVALUE);
{SOURCE_ROWS.format(t="src_keyed")}{TARGET_ROWS.format(t="dst_keyed", source="src_keyed")}
{SOURCE_ROWS.format(t="src_heap")}{TARGET_ROWS.format(t="dst_heap", source="src_heap")}
{SOURCE_ROWS.format(t="src_dup")}{TARGET_ROWS.format(t="dst_dup", source="src_dup")}
{SOURCE_ROWS.format(t="src_null")}{TARGET_ROWS.format(t="dst_null", source="src_null")}
{TARGET_ROWS.format(t="dst_inh", source="src_keyed")}
{TARGET_ROWS.format(t="dst_deferred", source="src_keyed")}
{TARGET_ROWS.format(t="dst_include", source="src_keyed")}
{TARGET_ROWS.format(t="dst_part", source="src_keyed")}
-- duplicated keys: 12 twice in the source, 12 twice in the target (one copy changed), 13 twice
INSERT INTO rp.src_dup SELECT * FROM rp.src_dup WHERE id = 12;
INSERT INTO rp.dst_dup SELECT * FROM rp.dst_dup WHERE id IN (12, 13);
UPDATE rp.dst_dup SET note = 'one copy' WHERE ctid = (SELECT max(ctid) FROM rp.dst_dup WHERE id = 12);
-- NULL keys under UNIQUE: one in the source, two in the target (one key, present on both sides)
INSERT INTO rp.src_null (id, amount, note, live) VALUES (NULL, 1.00, 'no key', true);
INSERT INTO rp.dst_null (id, amount, note) VALUES (NULL, 1.00, 'no key'), (NULL, 2.00, 'no key');
-- a child's rows are read with its parent's, and the parent's primary key does not cover them
INSERT INTO rp.dst_inh_child SELECT * FROM rp.dst_keyed WHERE id = 12;
ANALYZE;
"""

ENTRIES = """
reconcile:
  - name: plain
    source: rp.src_{side}
    key: [id]
    measures: [amount]
    compare: [amount, note]
  - name: filtered
    source: rp.src_{side}
    key: [id]
    measures: [amount]
    compare: [amount, note]
    source_filter: live
    target_filter: id <> 101
"""
CONTRACT = """
table: rp.dst_{side}
{declared}columns:
  id: {{type: int4}}
  amount: {{type: 'numeric(12,2)'}}
  note: {{type: text}}
"""

# (count difference, missing, extra, changed) of each entry on the keyed/heap pair
# (filtered: 29 source rows without 25, 28 target rows without 101; 25 is extra, 101 is not)
EXACT = {"plain": (1, 3, 2, 3), "filtered": (1, 3, 2, 3)}


# targets of the keyed source, and the plan each must take
ON_KEYED = {"deferred": "general", "include": "join", "part": "join"}


@pytest.fixture
def world(fresh_database_url: str, tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    query(fresh_database_url, WORLD)
    for side in ("keyed", "heap", "dup", "null", "inh", *ON_KEYED):
        # dup declares a primary key its data breaks: a declaration is not a guarantee
        declared = "primary_key: [id]\n" if side == "dup" else ""
        source = "keyed" if side in ("inh", *ON_KEYED) else side
        text = CONTRACT.format(side=side, declared=declared) + ENTRIES.format(side=source)
        (tmp_path / side / "rp").mkdir(parents=True)
        (tmp_path / side / "rp" / f"dst_{side}.yml").write_text(text)
    engine = create_engine(fresh_database_url)
    yield engine, tmp_path
    engine.dispose()


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def reconcile(world: tuple[Engine, Path], side: str, sample_limit: int = 20) -> dict[str, Any]:
    engine, root = world
    run = run_checks(engine, load_contracts(root / side), select="*::reconcile*", sample_limit=sample_limit)
    assert all(r.outcome in ("passed", "failed") for r in run.results), [r.message for r in run.results]
    return {r.column: r for r in run.results}


def counts(results: dict[str, Any], entry: str) -> tuple[int, ...]:
    aspects = ("count", "missing_keys", "extra_keys", "changed")
    return tuple(results[f"{entry}.{aspect}"].failing for aspect in aspects)


def plan(results: dict[str, Any], entry: str) -> str:
    sql = results[f"{entry}.count"].sql
    return "general" if "EXCEPT" in sql else "join" if "FULL OUTER JOIN" in sql else "?"


def test_unique_keys_on_both_sides_take_one_join_with_exact_counts(world: tuple[Engine, Path]) -> None:
    with statements(world[0]) as seen:
        results = reconcile(world, "keyed")
    for entry, expected in EXACT.items():
        assert plan(results, entry) == "join"
        assert counts(results, entry) == expected
    # per entry: the join for the numbers and ONE more pass for the samples of every aspect
    assert sum("FULL OUTER JOIN" in s for s in seen) == 4
    assert not any("EXCEPT" in s for s in seen)
    changed = results["plain.changed"]
    assert changed.message == (
        "3 keys with other values of amount, note in rp.dst_keyed than in rp.src_keyed (amount 1, note 2)"
    )
    assert [(r["id"], r["source_note"], r["target_note"]) for r in changed.sample] == [
        (7, "n7", "n7"),
        (8, "n8", None),
        (9, None, "now set"),
    ]
    assert [r["id"] for r in results["filtered.extra_keys"].sample] == [25, 102]


def test_both_plans_agree_on_counts_sums_and_samples(world: tuple[Engine, Path]) -> None:
    for limit in (2, 20):
        keyed, heap = reconcile(world, "keyed", limit), reconcile(world, "heap", limit)
        assert {plan(keyed, e) for e in EXACT} == {"join"}
        assert {plan(heap, e) for e in EXACT} == {"general"}
        assert keyed.keys() == heap.keys()
        for check, result in keyed.items():
            other = heap[check]
            assert (result.outcome, result.failing, result.total) == (
                other.outcome,
                other.failing,
                other.total,
            )
            assert result.sample == other.sample, check
            if not check.endswith(".changed"):  # the join adds each column's count
                assert result.message.replace("keyed", "heap") == other.message, check
        assert [r["id"] for r in keyed["plain.missing_keys"].sample] == [5, 17, 29][:limit]
        assert keyed["plain.sum(amount)"].failing == 1


def test_clean_data_is_one_statement(world: tuple[Engine, Path]) -> None:
    engine, root = world
    text = (root / "keyed" / "rp" / "dst_keyed.yml").read_text().replace("rp.src_keyed", "rp.dst_keyed")
    (root / "self" / "rp").mkdir(parents=True, exist_ok=True)
    text = text.replace("    source_filter: live\n", "").replace("    target_filter: id <> 101\n", "")
    (root / "self" / "rp" / "dst_keyed.yml").write_text(text)
    with statements(engine) as seen:
        results = reconcile(world, "self")
    assert {r.failing for r in results.values()} == {0}
    assert sum("FULL OUTER JOIN" in s for s in seen) == 2  # one per entry, no sample pass


def test_duplicated_keys_without_an_enforced_key_take_the_general_plan(world: tuple[Engine, Path]) -> None:
    results = reconcile(world, "dup")
    assert {plan(results, e) for e in EXACT} == {"general"}  # though the contract declares a key
    # 31 rows on each side; key 12 (one copy changed) joins as changed, 13 twice is no change
    assert counts(results, "plain") == (0, 3, 2, 4)
    assert results["plain.count"].message == "rp.src_dup has 31 rows, rp.dst_dup has 31 (difference 0)"
    assert [r["id"] for r in results["plain.changed"].sample] == [7, 8, 9, 12, 12]


def test_null_keys_fall_back_to_the_general_plan(world: tuple[Engine, Path]) -> None:
    with statements(world[0]) as seen:
        results = reconcile(world, "null")
    assert {plan(results, e) for e in EXACT} == {"general"}
    assert any("FULL OUTER JOIN" in s for s in seen)  # the join ran, saw the NULL keys, fell back
    # the NULL key is one key, on both sides: neither missing nor extra (as EXCEPT says)
    assert counts(results, "plain") == (0, 3, 2, 3)
    assert results["plain.count"].message == "rp.src_null has 31 rows, rp.dst_null has 31 (difference 0)"


def test_a_parent_key_does_not_cover_inheritance_children(world: tuple[Engine, Path]) -> None:
    results = reconcile(world, "inh")
    assert {plan(results, e) for e in EXACT} == {"general"}
    assert counts(results, "plain") == (0, 3, 2, 3)  # 12 twice in the target: 30 rows, one key


@pytest.mark.parametrize(("side", "expected"), ON_KEYED.items())
def test_only_immediate_unique_indexes_count(world: tuple[Engine, Path], side: str, expected: str) -> None:
    # deferrable: duplicates may stand until commit; INCLUDE columns are not part of the key;
    # a partitioned table's key is enforced across its partitions
    results = reconcile(world, side)
    assert {plan(results, e) for e in EXACT} == {expected}
    for entry, exact in EXACT.items():
        assert counts(results, entry) == exact
