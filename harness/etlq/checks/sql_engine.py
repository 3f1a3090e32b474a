"""The SQL engine: contracts run as a few statements per table on PostgreSQL.

Per table: ONE fused scan for every row-level check, the row count and freshness; one
GROUP BY per unique key; one anti-join per foreign key; per reconcile entry, one statement
for the counts and sums of both sides and one EXCEPT each for missing and extra keys.
Failing rows are fetched only for failed checks, capped. A missing table or column, or a
statement the database rejects, becomes an ``error`` result, never an exception.
"""

from __future__ import annotations

import difflib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, TableClause, text
from sqlalchemy.exc import DBAPIError

from etlq.checks import sql_build as build
from etlq.checks.messages import describe
from etlq.checks.plan import plan_checks
from etlq.checks.results import CheckResult, CheckSpec, Outcome, RunResult
from etlq.connect import connected, db_reason
from etlq.contracts.graph import parents_of
from etlq.contracts.model import Contract
from etlq.drift.catalog import Catalog, LiveTable, read_catalog

DEFAULT_SAMPLE_LIMIT = 20


class _StatementFailed(Exception):
    def __init__(self, sql: str, reason: str) -> None:
        super().__init__(reason)
        self.sql, self.reason = sql, reason


class _Runner:
    """Runs statements for one table inside savepoints, so one bad statement does not
    abort the caller's transaction; remembers the SQL that ran."""

    def __init__(self, conn: Connection, sample_limit: int) -> None:
        self.conn = conn
        self.sample_limit = sample_limit

    def run(self, stmt: Any) -> tuple[list[Any], str, float]:
        sql = build.render(stmt)
        started = time.perf_counter()
        try:
            with self.conn.begin_nested():
                rows = list(self.conn.execute(stmt))
        except DBAPIError as exc:
            raise _StatementFailed(sql, db_reason(exc)) from None
        return rows, sql, time.perf_counter() - started

    def sample(self, stmt: Any) -> tuple[dict[str, Any], ...]:
        if self.sample_limit <= 0:
            return ()
        try:
            rows, _, _ = self.run(stmt)
        except _StatementFailed:
            return ()  # the count is the result; a sample is a courtesy
        return tuple(dict(row._mapping) for row in rows)


def _error(spec: CheckSpec, message: str, sql: str = "") -> CheckResult:
    return CheckResult(spec, "error", sql=sql, message=message)


def _outcome(failing: int) -> Outcome:
    return "failed" if failing else "passed"


def _missing_columns(spec: CheckSpec, live: LiveTable, catalog: Catalog) -> str | None:
    """Why ``spec`` cannot run against the live tables, or None."""
    needed: list[tuple[str, Sequence[str]]] = [(live.table, _own_columns(spec))]
    if spec.kind == "foreign_key":
        needed.append((spec.params["ref_table"], spec.params["ref_columns"]))
    if spec.kind == "reconcile":
        needed.append((spec.params["source"], _reconcile_columns(spec)))
    for table_name, columns in needed:
        other = catalog.get(table_name)
        if other is None:
            return f"table {table_name} does not exist"
        for name in columns:
            if other.column(name) is None:
                hint = difflib.get_close_matches(name, other.column_names, n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                return f"column {name!r} does not exist in {table_name}{suffix}"
    return None


def _own_columns(spec: CheckSpec) -> Sequence[str]:
    if spec.kind in ("unique", "foreign_key"):
        return spec.params["columns"]
    if spec.kind == "freshness":
        return (spec.params["column"],)
    if spec.kind == "reconcile":
        return _reconcile_columns(spec)
    if spec.kind in ("expression", "row_count"):
        return ()
    return (spec.column,) if spec.column else ()


def _reconcile_columns(spec: CheckSpec) -> tuple[str, ...]:
    # all measures: the count and the sums of one reconcile entry share one statement
    return tuple(spec.params["key"]) + tuple(spec.params.get("measures", ()))


def run_table(
    conn: Connection,
    contract: Contract,
    specs: Sequence[CheckSpec],
    *,
    catalog: Catalog | None = None,
    sample_limit: int = DEFAULT_SAMPLE_LIMIT,
) -> list[CheckResult]:
    """Run ``specs`` (checks of ``contract``'s table) and return their results in order.

    ``catalog`` (from ``read_catalog``) saves a catalog query when many tables are run.
    """
    if not specs:
        return []
    if catalog is None:
        catalog = read_catalog(conn, tables=[contract.table, *parents_of(contract)])
    live = catalog.get(contract.table)
    if live is None:
        return [_error(s, f"table {contract.table} does not exist") for s in specs]
    runner = _Runner(conn, sample_limit)
    t = build.table_of(contract.table, live.column_names)
    order_by = [c for c in contract.primary_key if live.column(c)]
    results: dict[str, CheckResult] = {}
    runnable: list[CheckSpec] = []
    for spec in specs:
        problem = _missing_columns(spec, live, catalog)
        if problem:
            results[spec.id] = _error(spec, problem)
        else:
            runnable.append(spec)

    scan_specs = [s for s in runnable if s.kind in build.SCAN_KINDS]
    total: int | None = None
    if scan_specs or any(s.kind == "foreign_key" for s in runnable):
        scan_results, total = _run_scan(runner, t, scan_specs, order_by)
        results.update((r.id, r) for r in scan_results)
    reconcile_totals: dict[str, tuple[list[Any], str, float]] = {}
    for spec in runnable:
        if spec.kind in build.SCAN_KINDS:
            continue
        try:
            if spec.kind == "unique":
                result = _run_unique(runner, t, spec)
            elif spec.kind == "foreign_key":
                result = _run_foreign_key(runner, t, spec, catalog, order_by, total)
            elif spec.kind == "reconcile":
                result = _run_reconcile(runner, t, spec, catalog, reconcile_totals)
            else:
                result = _error(spec, f"the sql engine has no check kind {spec.kind!r}")
        except _StatementFailed as exc:
            result = _error(spec, exc.reason, exc.sql)
        results[spec.id] = result
    return [results[s.id] for s in specs]


def _run_scan(
    runner: _Runner, t: TableClause, specs: Sequence[CheckSpec], order_by: Sequence[str]
) -> tuple[list[CheckResult], int | None]:
    """The fused scan; if the database rejects it, each check alone, to say which one is bad."""
    stmt = build.fused_scan(t, specs)
    try:
        rows, sql, seconds = runner.run(stmt)
    except _StatementFailed:
        return _run_one_by_one(runner, t, specs, order_by)
    row = rows[0]._mapping
    share = seconds / max(len(specs), 1)
    results = [_scan_result(runner, t, spec, i, row, sql, share, order_by) for i, spec in enumerate(specs)]
    return results, row["total"]


def _run_one_by_one(
    runner: _Runner, t: TableClause, specs: Sequence[CheckSpec], order_by: Sequence[str]
) -> tuple[list[CheckResult], int | None]:
    total: int | None = None
    with suppress(_StatementFailed):
        total = runner.run(build.fused_scan(t, []))[0][0]._mapping["total"]
    results = []
    for spec in specs:
        stmt = build.fused_scan(t, [spec])
        try:
            rows, sql, seconds = runner.run(stmt)
        except _StatementFailed as exc:
            results.append(_error(spec, f"the database rejected this check: {exc.reason}", exc.sql))
            continue
        results.append(_scan_result(runner, t, spec, 0, rows[0]._mapping, sql, seconds, order_by))
    return results, total


def _scan_result(
    runner: _Runner,
    t: TableClause,
    spec: CheckSpec,
    i: int,
    row: Any,
    sql: str,
    seconds: float,
    order_by: Sequence[str],
) -> CheckResult:
    total = row["total"]
    if spec.kind in build.ROW_KINDS:
        failing = row[f"c{i}"]
        result = CheckResult(spec, _outcome(failing), failing, total, sql=sql, duration_s=seconds)
        if failing:
            result = result.with_(
                sample=runner.sample(build.failing_rows(t, spec, order_by, runner.sample_limit))
            )
    elif spec.kind == "row_count":
        low, high = spec.params.get("min"), spec.params.get("max")
        out = (low is not None and total < low) or (high is not None and total > high)
        result = CheckResult(spec, _outcome(int(out)), int(out), total, sql=sql, duration_s=seconds)
    else:  # freshness
        stale = bool(row[f"stale_{i}"])
        newest = row[f"fresh_max_{i}"]
        result = CheckResult(
            spec,
            _outcome(int(stale)),
            int(stale),
            total,
            sql=sql,
            duration_s=seconds,
            sample=({spec.params["column"]: newest},) if stale else (),
        )
    return result.with_(message=describe(result))


def _run_unique(runner: _Runner, t: TableClause, spec: CheckSpec) -> CheckResult:
    columns = spec.params["columns"]
    rows, sql, seconds = runner.run(build.duplicate_count(t, columns))
    row = rows[0]._mapping
    failing = int(row["failing"])
    result = CheckResult(spec, _outcome(failing), failing, int(row["total"]), sql=sql, duration_s=seconds)
    if failing:
        result = result.with_(sample=runner.sample(build.duplicate_sample(t, columns, runner.sample_limit)))
    return result.with_(message=describe(result, duplicate_keys=row["duplicate_keys"]))


def _run_foreign_key(
    runner: _Runner,
    t: TableClause,
    spec: CheckSpec,
    catalog: Catalog,
    order_by: Sequence[str],
    total: int | None,
) -> CheckResult:
    parent = build.table_of(spec.params["ref_table"], catalog[spec.params["ref_table"]].column_names)
    rows, sql, seconds = runner.run(build.orphan_count(t, parent, spec.params))
    failing = rows[0]._mapping["failing"]
    result = CheckResult(spec, _outcome(failing), failing, total, sql=sql, duration_s=seconds)
    if failing:
        sample = runner.sample(build.orphan_sample(t, parent, spec.params, order_by, runner.sample_limit))
        result = result.with_(sample=sample)
    return result.with_(message=describe(result))


def _difference(source: Any, target: Any, tolerance: float) -> tuple[Any, bool]:
    src, tgt = source or 0, target or 0
    if isinstance(src, Decimal) or isinstance(tgt, Decimal):
        exact = Decimal(src) - Decimal(tgt)
        return exact, abs(exact) > Decimal(repr(tolerance))
    return src - tgt, abs(src - tgt) > tolerance


def _run_reconcile(
    runner: _Runner,
    t: TableClause,
    spec: CheckSpec,
    catalog: Catalog,
    totals_cache: dict[str, tuple[list[Any], str, float]],
) -> CheckResult:
    p = spec.params
    source = build.table_of(p["source"], catalog[p["source"]].column_names)
    if p["aspect"] in ("missing_keys", "extra_keys"):
        diff = build.key_difference(source, t, p, missing=p["aspect"] == "missing_keys")
        rows, sql, seconds = runner.run(build.key_difference_count(diff))
        failing = rows[0]._mapping["failing"]
        result = CheckResult(spec, _outcome(failing), failing, sql=sql, duration_s=seconds)
        if failing:
            result = result.with_(
                sample=runner.sample(build.key_difference_sample(diff, runner.sample_limit))
            )
        return result.with_(message=describe(result))
    # the count and every sum of one reconcile entry come from one statement, run once
    measures = tuple(p.get("measures", ()))
    if p["name"] not in totals_cache:
        totals_cache[p["name"]] = runner.run(build.reconcile_totals(source, t, p))
    rows, sql, seconds = totals_cache[p["name"]]
    row = rows[0]._mapping
    if p["aspect"] == "count":
        failing = abs(row["source_count"] - row["target_count"])
        result = CheckResult(
            spec, _outcome(failing), failing, row["target_count"], sql=sql, duration_s=seconds
        )
        return result.with_(message=describe(result, source=row["source_count"], target=row["target_count"]))
    i = measures.index(p["measure"])
    diff, out = _difference(row[f"source_sum_{i}"], row[f"target_sum_{i}"], p.get("tolerance", 0.0))
    result = CheckResult(spec, _outcome(int(out)), int(out), row["target_count"], sql=sql, duration_s=seconds)
    return result.with_(
        message=describe(result, source=row[f"source_sum_{i}"], target=row[f"target_sum_{i}"], diff=diff)
    )


def run_checks(
    engine_or_url: Engine | str,
    contracts: Iterable[Contract],
    select: str | None = None,
    sample_limit: int = DEFAULT_SAMPLE_LIMIT,
    on_result: Callable[[CheckResult], None] | None = None,
) -> RunResult:
    """Plan and run every (selected) check of ``contracts`` in one read-only transaction."""
    contracts = list(contracts)
    specs = plan_checks(contracts, select)
    by_table: dict[str, list[CheckSpec]] = defaultdict(list)
    for spec in specs:
        by_table[spec.table].append(spec)
    started = time.perf_counter()
    results: list[CheckResult] = []
    with connected(engine_or_url) as conn:
        # the checks only read; a read-only transaction makes sure a contract expression cannot write
        conn.execute(text("SET TRANSACTION READ ONLY"))
        tables = {c.table for c in contracts} | {p for c in contracts for p in parents_of(c)}
        catalog = read_catalog(conn, tables=tables)
        for contract in contracts:
            for result in run_table(
                conn, contract, by_table.get(contract.table, []), catalog=catalog, sample_limit=sample_limit
            ):
                results.append(result)
                if on_result is not None:
                    on_result(result)
        conn.rollback()
    return RunResult(tuple(results), "sql", time.perf_counter() - started)
