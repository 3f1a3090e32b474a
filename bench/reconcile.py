"""Reconciliation: etlq's ``reconcile`` checks on two tables with planted differences, against
one ``count(*)`` of each side (the floor), a hand-written full-join diff, and reladiff's
in-database join diff.

The data: ``bench_rec.source`` with ``rows`` rows and ``bench_rec.target``, a copy with 100
planted differences: 34 keys missing, 33 extra keys, 33 changed amounts. Every contender must
find exactly those 100 (``agree``); etlq counts missing and extra keys by its
``missing_keys``/``extra_keys`` aspects and changed values by its column comparison where the
contract language has one (else the changed rows are visible only in ``sum(amount)``, and the
run says so). Both tables have a primary key on ``id``, so etlq takes its one-join plan
(``details.etlq_plan``): one hash full join for the counts, one more for the samples.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import peers
from bench.results import Run
from bench.timing import median, timed
from bench.workspace import server_version, workspace
from etlq.checks import run_checks
from etlq.checks.results import RunResult
from etlq.contracts import load_contracts
from etlq.local import LocalServices

MISSING, EXTRA, CHANGED = 34, 33, 33
PLANTED = MISSING + EXTRA + CHANGED
MAX_OVER_COUNT_STAR = 3.0
GOAL = (
    f"reconcile finds exactly the {PLANTED} differences, in <= {MAX_OVER_COUNT_STAR:g}x"
    " count(*) of both sides, and faster than reladiff"
)

# Deterministic values; the differences sit at fixed, spread-out keys. mod(), not %: the
# statement runs without parameters.
SETUP_SQL = """
DROP SCHEMA IF EXISTS bench_rec CASCADE;
CREATE SCHEMA bench_rec;
CREATE TABLE bench_rec.source (id bigint PRIMARY KEY, amount numeric(12,2) NOT NULL, label text NOT NULL);
INSERT INTO bench_rec.source
SELECT g, mod(g::bigint * 7919, 100000) / 100.0, md5(g::text) FROM generate_series(1, {rows}) AS g;
CREATE TABLE bench_rec.target (LIKE bench_rec.source INCLUDING ALL);
INSERT INTO bench_rec.target SELECT * FROM bench_rec.source;
DELETE FROM bench_rec.target WHERE id IN (SELECT {step} * k FROM generate_series(1, {missing}) AS k);
UPDATE bench_rec.target SET amount = amount + 1
WHERE id IN (SELECT {step} * k + 1 FROM generate_series(1, {changed}) AS k);
INSERT INTO bench_rec.target
SELECT {rows} + k, 1.00, md5(k::text) FROM generate_series(1, {extra}) AS k;
ANALYZE bench_rec.source;
ANALYZE bench_rec.target;
"""

CONTRACT = """
table: bench_rec.target
columns:
  id: {type: bigint, nullable: false}
  amount: {type: "numeric(12,2)", nullable: false}
  label: {type: text, nullable: false}
reconcile:
  - name: from_source
    source: bench_rec.source
    key: [id]
    measures: [amount]
    compare: [amount, label]
"""

# The least work that finds the same differences: one full join, one count per kind.
HAND_SQL = """
SELECT count(*) FILTER (WHERE t.id IS NULL) AS missing,
       count(*) FILTER (WHERE s.id IS NULL) AS extra,
       count(*) FILTER (WHERE s.id IS NOT NULL AND t.id IS NOT NULL
                        AND (s.amount, s.label) IS DISTINCT FROM (t.amount, t.label)) AS changed
FROM bench_rec.source AS s FULL JOIN bench_rec.target AS t ON s.id = t.id
"""
COUNT_SQL = "SELECT (SELECT count(*) FROM bench_rec.source), (SELECT count(*) FROM bench_rec.target)"


def _etlq_counts(run: RunResult) -> dict[str, int | None]:
    """missing/extra/changed from etlq's reconcile results (changed: from column comparison)."""
    by_aspect: dict[str, int | None] = {"missing": None, "extra": None, "changed": None}
    for result in run.results:
        aspect = result.spec.params.get("aspect")
        if aspect == "missing_keys":
            by_aspect["missing"] = result.failing
        elif aspect == "extra_keys":
            by_aspect["extra"] = result.failing
        elif aspect == "changed":
            by_aspect["changed"] = result.failing
    return by_aspect


def _plan(run: RunResult) -> str:
    """Which statement etlq ran: "join" (one FULL JOIN: both sides have a primary key) or "general"."""
    return "join" if all("FULL OUTER JOIN" in r.sql for r in run.results) else "general"


def measure(services: LocalServices, rows: int, repeat: int, with_peers: bool = True) -> Run:
    step = max(rows // (MISSING + 1), 2)
    with contextlib.ExitStack() as stack:
        space = stack.enter_context(workspace(services, "reconcile"))
        with space.engine.begin() as conn:
            conn.exec_driver_sql(
                SETUP_SQL.format(rows=rows, step=step, missing=MISSING, changed=CHANGED, extra=EXTRA)
            )
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="etlq-bench-rec-")))
        (folder / "bench_rec").mkdir()
        (folder / "bench_rec" / "target.yml").write_text(CONTRACT, encoding="utf-8")
        contracts = load_contracts(folder)

        def hand() -> dict[str, int]:
            with space.engine.connect() as conn:
                return dict(conn.exec_driver_sql(HAND_SQL).one()._mapping)

        def count_star() -> tuple[int, int]:
            with space.engine.connect() as conn:
                source, target = conn.exec_driver_sql(COUNT_SQL).one()
                return int(source), int(target)

        last_run: list[RunResult] = []

        def etlq() -> dict[str, int | None]:
            last_run[:] = [run_checks(space.engine, contracts, select="*::reconcile*")]
            return _etlq_counts(last_run[0])

        contenders: dict[str, Callable[[], tuple[float, Any]]] = {
            "etlq": lambda: timed(etlq),
            "hand_sql": lambda: timed(hand),
            "count_star": lambda: timed(count_star),
        }
        tools, unavailable = (
            peers.available((peers.RELADIFF,)) if with_peers else ([], ["reladiff skipped (--no-peers)"])
        )
        for tool in tools:
            peer = peers.diff_peer(
                space.url, "bench_rec.source", "bench_rec.target", "id", ("amount", "label")
            )
            stack.callback(peer.close)
            contenders[tool.name] = peer.run
        last = {key: call()[1] for key, call in contenders.items()}  # untimed warm-up round
        seconds: dict[str, list[float]] = {key: [] for key in contenders}
        for _ in range(repeat):
            for key, call in contenders.items():
                elapsed, last[key] = call()
                seconds[key].append(elapsed)
        postgres = server_version(space)
    planted = {"missing": MISSING, "extra": EXTRA, "changed": CHANGED}
    found = {key: last[key] for key in contenders if key != "count_star"}
    warnings = list(unavailable)
    if found["etlq"]["changed"] is None:
        warnings.append("etlq's reconcile has no column comparison: changed values were not counted")
    agree = all(counts == planted for counts in found.values())
    median_s = {key: median(values) for key, values in seconds.items()}
    ratios = {
        "etlq_over_count_star": median_s["etlq"] / median_s["count_star"],
        "etlq_over_hand_sql": median_s["etlq"] / median_s["hand_sql"],
        **{f"{tool.name}_over_etlq": median_s[tool.name] / median_s["etlq"] for tool in tools},
    }
    return Run(
        name="reconcile",
        rows=rows,
        subject="etlq reconcile checks (count, sum, missing and extra keys, columns) of target vs source",
        subject_s=tuple(seconds["etlq"]),
        peers={f"{key}_s": tuple(values) for key, values in seconds.items() if key != "etlq"},
        ratios=ratios,
        goal=GOAL,
        met=agree
        and not unavailable
        and ratios["etlq_over_count_star"] <= MAX_OVER_COUNT_STAR
        and all(ratios[f"{tool.name}_over_etlq"] > 1 for tool in tools),
        agree=agree,
        details={"planted": planted, "found": found, "etlq_plan": _plan(last_run[0]), "postgres": postgres},
        warnings=tuple(warnings)
        + (() if agree else ("contenders found other differences (see details.found)",)),
    )
