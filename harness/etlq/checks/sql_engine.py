"""The SQL engine: contracts run as a few statements per table on PostgreSQL.

Per table: ONE fused scan for every row-level check, the row count and freshness; one
GROUP BY per unique key; one anti-join per foreign key; per reconcile entry, one FULL JOIN
pass when the database enforces the key on both sides, else one statement for the counts and
sums of both sides and one EXCEPT each for missing and extra keys.
Failing rows are fetched only for failed checks, capped. A missing table or column, or a
statement the database rejects, becomes an ``error`` result, never an exception.
"""

from __future__ import annotations

import difflib
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, TableClause, text
from sqlalchemy.exc import DBAPIError

from etlq.checks import sql_build as build
from etlq.checks.messages import describe
from etlq.checks.plan import plan_checks
from etlq.checks.results import CheckResult, CheckSpec, Outcome, RunResult
from etlq.connect import connected, db_reason
from etlq.contracts.graph import parents_of
from etlq.contracts.kinds import BY_NAME
from etlq.contracts.kinds.base import Found, SetRun
from etlq.contracts.metrics import DAY_TOTAL, day_rows, label, metric_value, partition_of, table_metrics
from etlq.contracts.model import Contract
from etlq.drift.catalog import Catalog, LiveTable, read_catalog
from etlq.history import HistoryRun

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
    for table_name, columns in BY_NAME[spec.kind].needs(spec):
        other = catalog.get(table_name or live.table)
        if other is None:
            return f"table {table_name} does not exist"
        for name in columns:
            if other.column(name) is None:
                hint = difflib.get_close_matches(name, other.column_names, n=1)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                return f"column {name!r} does not exist in {table_name or live.table}{suffix}"
    return None


class _EnforcedKeys:
    """The unique keys PostgreSQL enforces on a table right now, by name: the key columns of its
    valid, immediate (not deferrable), non-partial unique indexes (primary keys included). None
    for a view, or for a plain table with inheritance children (its index does not cover their
    rows). Asked of the database only for a table the catalog gives a key, once per run."""

    _ENFORCED = text("""
SELECT c.relkind::text AS kind, c.relhassubclass AS inherited,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord) AS columns
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
WHERE i.indrelid = to_regclass(:t) AND i.indisunique AND i.indimmediate AND i.indisvalid
  AND i.indpred IS NULL AND i.indexprs IS NULL""")

    def __init__(self, conn: Connection, catalog: Catalog) -> None:
        self.conn, self.catalog = conn, catalog
        self.known: dict[str, tuple[tuple[str, ...], ...]] = {}

    def __call__(self, name: str) -> tuple[tuple[str, ...], ...]:
        if name not in self.known:
            live = self.catalog.get(name)
            keys: tuple[tuple[str, ...], ...] = ()
            if live is not None and (live.primary_key or live.unique_keys):
                quoted = ".".join('"' + part.replace('"', '""') + '"' for part in name.split(".", 1))
                with self.conn.begin_nested():
                    rows = self.conn.execute(self._ENFORCED, {"t": quoted}).all()
                if not any(row.kind == "r" and row.inherited for row in rows):
                    keys = tuple(tuple(row.columns) for row in rows if row.columns)
            self.known[name] = keys
        return self.known[name]


def run_table(
    conn: Connection,
    contract: Contract,
    specs: Sequence[CheckSpec],
    *,
    catalog: Catalog | None = None,
    sample_limit: int = DEFAULT_SAMPLE_LIMIT,
    history: HistoryRun | None = None,
) -> list[CheckResult]:
    """Run ``specs`` (checks of ``contract``'s table) and return their results in order.

    ``catalog`` (from ``read_catalog``) saves a catalog query when many tables are run.
    ``history``: the anomaly checks are judged against it and, when it records, the table's
    metrics (``etlq.contracts.metrics``) join the fused scan and are added to it.
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

    live_types = {c.name: c.type for c in live.columns}
    metrics = table_metrics(contract, live_types) if history and history.record else []
    partition = partition_of(contract)
    day = None
    if history is not None and partition and live.column(partition):
        day = day_rows(t, partition, history.run_date)  # the metrics are about the run date's rows
        runnable = [_on_day(s, history.run_date) for s in runnable]
    scan_specs = [s for s in runnable if s.kind in build.SCAN_KINDS]
    total: int | None = None
    if scan_specs or metrics or any(BY_NAME[s.kind].needs_total for s in runnable):
        scan_results, total = _run_scan(runner, t, scan_specs, order_by, metrics, history, day)
        results.update((r.id, r) for r in scan_results)
    ctx = SetRun(
        runner.run,
        t,
        lambda name: build.table_of(name, catalog[name].column_names),
        order_by,
        total,
        sample_limit,
        cache={},
        unique_keys=_EnforcedKeys(conn, catalog),
        sample=runner.sample,
    )
    for spec in runnable:
        kind = BY_NAME[spec.kind]
        if kind.run is None:
            continue
        try:
            result = _found(runner, spec, kind.run(ctx, spec))
        except _StatementFailed as exc:
            result = _error(spec, exc.reason, exc.sql)
        results[spec.id] = result
    return [results[s.id] for s in specs]


def _on_day(spec: CheckSpec, run_date: str) -> CheckSpec:
    """An anomaly spec of a partitioned table, told the run date whose rows it measures."""
    return replace(spec, params={**spec.params, "run_date": run_date}) if spec.kind == "anomaly" else spec


def _run_scan(
    runner: _Runner,
    t: TableClause,
    specs: Sequence[CheckSpec],
    order_by: Sequence[str],
    metrics: Sequence[tuple[str, str | None]],
    history: HistoryRun | None,
    day: Any = None,
) -> tuple[list[CheckResult], int | None]:
    """The fused scan; if the database rejects it, each check alone, to say which one is bad."""
    stmt = build.fused_scan(t, specs, metrics, day)
    try:
        rows, sql, seconds = runner.run(stmt)
    except _StatementFailed:
        return _run_one_by_one(runner, t, specs, order_by, history)
    row = rows[0]._mapping
    if history is not None:
        for n, (metric, column) in enumerate(metrics):
            extra = {} if column is None else {"column": column}
            scope = row[DAY_TOTAL] if day is not None else None
            history.add(t.fullname, metric, metric_value(metric, row, label(n), scope), **extra)
    share = seconds / max(len(specs), 1)
    results = [
        _scan_result(runner, t, spec, i, row, sql, share, order_by, history) for i, spec in enumerate(specs)
    ]
    return results, row["total"]


def _run_one_by_one(
    runner: _Runner,
    t: TableClause,
    specs: Sequence[CheckSpec],
    order_by: Sequence[str],
    history: HistoryRun | None,
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
        results.append(_scan_result(runner, t, spec, 0, rows[0]._mapping, sql, seconds, order_by, history))
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
    history: HistoryRun | None,
) -> CheckResult:
    kind = BY_NAME[spec.kind]
    if kind.read_scan is not None:
        found = kind.read_scan(spec, row, i)
        if kind.judge is not None:
            found = kind.judge(spec, found, history)
    else:  # a row-level check: its failing rows are fetched when there are any
        sample = build.failing_rows(t, spec, order_by, runner.sample_limit)
        found = Found(row[f"c{i}"], row["total"], sample_stmt=sample)
    return _found(runner, spec, replace(found, sql=sql, seconds=seconds))


def _found(runner: _Runner, spec: CheckSpec, found: Found) -> CheckResult:
    """What a kind found -> the result: a capped sample when failing, the kind's sentence."""
    if found.not_evaluated:
        return CheckResult(
            spec, "not_evaluated", None, found.total, sql=found.sql, message=found.not_evaluated
        )
    failing = found.failing
    result = CheckResult(
        spec, _outcome(failing), failing, found.total, found.sample_rows, found.sql, duration_s=found.seconds
    )
    if failing and found.sample_stmt is not None:
        result = result.with_(sample=runner.sample(found.sample_stmt))
    return result.with_(message=describe(result, **found.facts))


def run_checks(
    engine_or_url: Engine | str,
    contracts: Iterable[Contract],
    select: str | None = None,
    sample_limit: int = DEFAULT_SAMPLE_LIMIT,
    on_result: Callable[[CheckResult], None] | None = None,
    history: HistoryRun | None = None,
) -> RunResult:
    """Plan and run every (selected) check of ``contracts`` in one read-only transaction.

    With ``history``, the anomaly checks are judged against it, and (when it records) each
    table's metrics and each check's failing count and outcome are appended to its store."""
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
                conn,
                contract,
                by_table.get(contract.table, []),
                catalog=catalog,
                sample_limit=sample_limit,
                history=history,
            ):
                results.append(result)
                if history is not None:
                    failing = result.failing or 0  # error / not_evaluated: 0, the outcome says which
                    history.add(
                        result.table, "check_failing", failing, check=result.id, outcome=result.outcome
                    )
                if on_result is not None:
                    on_result(result)
        conn.rollback()
    if history is not None:
        history.flush()
    return RunResult(tuple(results), "sql", time.perf_counter() - started)
