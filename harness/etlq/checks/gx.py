"""The Great Expectations engine: the same contracts compiled to a GX 1.x suite.

GX is the gate inside the Glue jobs (they load the suites ``etlq export gx`` writes) and an
independent second engine here: on the same data its unexpected counts must equal the SQL
engine's failing counts (tests/checks prove it). Set checks GX has no expectation for
(foreign keys, expressions, freshness, reconcile) become ``UnexpectedRowsExpectation``
queries that return exactly the failing rows, so they count the same way.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.core import ExpectationSuite
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.metadata_types import FailureSeverity
from sqlalchemy import URL, Engine

from etlq.checks.messages import describe
from etlq.checks.plan import plan_checks, plan_contract
from etlq.checks.results import CheckResult, CheckSpec, RunResult
from etlq.connect import parse_url, scrub, session_args
from etlq.contracts.model import Contract
from etlq.errors import ConnectionFailed, EtlqError

_SEVERITY = {"error": FailureSeverity.CRITICAL, "warn": FailureSeverity.WARNING}
_BATCH = "\x00batch\x00"  # stands for GX's {batch} until the query's own braces are escaped


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_table(qualified: str) -> str:
    schema, name = qualified.split(".", 1)
    return f"{quote(schema)}.{quote(name)}"


def _query(sql: str) -> str:
    """GX runs ``str.format`` on the query: double every brace but the ``{batch}`` placeholder."""
    return sql.replace("{", "{{").replace("}", "}}").replace(_BATCH, "{batch}")


def _columns(names: Sequence[str]) -> str:
    return ", ".join(quote(n) for n in names)


def _orphans(spec: CheckSpec) -> str:
    p = spec.params
    # NOT IN (not a correlated NOT EXISTS) needs no alias for the batch, which GX renders
    # either as a table or as an aliased subquery; NULL parent keys are excluded so NOT IN is exact
    parent_not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in p["ref_columns"])
    child_not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in p["columns"])
    return (
        f"SELECT * FROM {_BATCH} WHERE {child_not_null} AND ({_columns(p['columns'])}) NOT IN "
        f"(SELECT {_columns(p['ref_columns'])} FROM {quote_table(p['ref_table'])} WHERE {parent_not_null})"
    )


def _where(sql: str | None) -> str:
    return f" WHERE ({sql})" if sql else ""


def _reconcile(spec: CheckSpec) -> str:
    p = spec.params
    source = f"{quote_table(p['source'])}{_where(p.get('source_filter'))}"
    target = f"{_BATCH}{_where(p.get('target_filter'))}"
    key = _columns(p["key"])
    aspect = p["aspect"]
    if aspect == "missing_keys":
        return f"SELECT {key} FROM {source} EXCEPT SELECT {key} FROM {target}"
    if aspect == "extra_keys":
        return f"SELECT {key} FROM {target} EXCEPT SELECT {key} FROM {source}"
    if aspect == "count":  # one row per row of difference, so the row count is the difference
        difference = f"(SELECT count(*) FROM {source}) - (SELECT count(*) FROM {target})"
        return f"SELECT generate_series(1, abs({difference}))"
    m = quote(p["measure"])
    diff = f"coalesce((SELECT sum({m}) FROM {source}), 0) - coalesce((SELECT sum({m}) FROM {target}), 0)"
    return f"SELECT 1 AS out_of_tolerance WHERE abs({diff}) > {float(p.get('tolerance', 0.0))!r}"


def _violations(spec: CheckSpec) -> str:
    # GX hands the batch over as "(SELECT ...) AS subselect"; a CTE named after the table lets
    # an expression name its own table (daily_revenue.order_date) as it may in the SQL engine
    name = quote(spec.table.split(".", 1)[1])
    where = f"({spec.params['expression']}) IS NOT TRUE"
    return f"WITH {name} AS (SELECT * FROM {_BATCH}) SELECT * FROM {name} WHERE {where}"


def _freshness(spec: CheckSpec) -> str:
    col, seconds = quote(spec.params["column"]), int(spec.params["max_age_seconds"])
    return (
        f"SELECT max({col}) AS newest FROM {_BATCH} "
        f"HAVING max({col}) IS NULL OR max({col}) < now() - interval '{seconds} seconds'"
    )


def _unexpected_rows(build: Callable[[CheckSpec], str]) -> Callable[[CheckSpec], Expectation]:
    return lambda spec: gxe.UnexpectedRowsExpectation(unexpected_rows_query=_query(build(spec)))


def _bounds(spec: CheckSpec) -> dict[str, Any]:
    return {"min_value": spec.params.get("min"), "max_value": spec.params.get("max")}


COMPILERS: dict[str, Callable[[CheckSpec], Expectation]] = {
    "not_null": lambda s: gxe.ExpectColumnValuesToNotBeNull(column=str(s.column)),
    "unique": lambda s: (
        gxe.ExpectColumnValuesToBeUnique(column=s.columns[0])
        if len(s.columns) == 1
        else gxe.ExpectCompoundColumnsToBeUnique(column_list=list(s.columns))
    ),
    "accepted_values": lambda s: gxe.ExpectColumnValuesToBeInSet(
        column=str(s.column), value_set=list(s.params["values"])
    ),
    "range": lambda s: gxe.ExpectColumnValuesToBeBetween(column=str(s.column), **_bounds(s)),
    "pattern": lambda s: gxe.ExpectColumnValuesToMatchRegex(column=str(s.column), regex=s.params["pattern"]),
    "row_count": lambda s: gxe.ExpectTableRowCountToBeBetween(**_bounds(s)),
    "expression": _unexpected_rows(_violations),
    "foreign_key": _unexpected_rows(_orphans),
    "freshness": _unexpected_rows(_freshness),
    "reconcile": _unexpected_rows(_reconcile),
}


def compile_expectation(spec: CheckSpec) -> Expectation | None:
    """The GX expectation for one check, or None when GX cannot express its kind."""
    compiler = COMPILERS.get(spec.kind)
    if compiler is None:
        return None
    expectation = compiler(spec)
    expectation.meta = {"check_id": spec.id, "severity": spec.severity}
    expectation.severity = _SEVERITY[spec.severity]
    return expectation


def compile_suite(contract: Contract, specs: Sequence[CheckSpec] | None = None) -> ExpectationSuite:
    """One suite per table, named after it; each expectation's meta holds its check id and severity."""
    compiled = (compile_expectation(s) for s in (plan_contract(contract) if specs is None else specs))
    # built in one go: add_expectation() would look for a data context to save into
    expectations = [e for e in compiled if e is not None]
    return ExpectationSuite(
        name=contract.table, expectations=expectations, meta={"contract": str(contract.path)}
    )


def compile_suites(contracts: Iterable[Contract]) -> list[dict[str, Any]]:
    return [compile_suite(c).to_json_dict() for c in contracts]


def _exception(info: dict[str, Any] | None) -> str | None:
    """GX reports a failure either flat or per metric (``{metric_id: {raised_exception, ...}}``)."""
    entries = [info] if info and "raised_exception" in info else list((info or {}).values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            text = str(entry.get("exception_message") or "GX raised an exception").strip()
            # a driver error's first line is the database's own message
            return text.split("\n")[0].split(") ", 1)[-1] if text.startswith("(") else text.split("\n")[0]
    return None


def _result(spec: CheckSpec, validation: Any, seconds: float, sample_limit: int) -> CheckResult:
    problem = _exception(validation.exception_info)
    if problem is not None:
        return CheckResult(
            spec, "error", message=f"GX could not run this check: {problem}", duration_s=seconds
        )
    found = validation.result or {}
    total = found.get("element_count")
    if spec.kind == "row_count":
        failing, total = int(not validation.success), found.get("observed_value")
    elif "unexpected_count" in found:
        failing = int(found["unexpected_count"] or 0)  # None on an empty table
    else:
        failing = int(found.get("observed_value") or 0)
    sample = tuple(
        v if isinstance(v, dict) else {spec.column or "value": v}
        for v in (found.get("partial_unexpected_list") or [])[:sample_limit]
    )
    sql = found.get("unexpected_index_query") or validation.expectation_config.kwargs.get(
        "unexpected_rows_query", ""
    )
    result = CheckResult(
        spec, "failed" if failing else "passed", failing, total, sample, str(sql), duration_s=seconds
    )
    return result.with_(message=describe(result))


def _context(url: URL) -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    try:
        # GX builds its own engine from the string: etlq's timeouts and read-only default ride in it
        session = {k: str(v) for k, v in session_args(url, read_only=True).items()}
        connection_string = url.update_query_dict(session).render_as_string(hide_password=False)
        return context, context.data_sources.add_postgres("etlq", connection_string=connection_string)
    except Exception as exc:  # GX wraps every driver error in its own TestConnectionError
        reason = scrub(str(exc).strip().splitlines()[0])
        if url.password:  # GX may repeat the connection string
            reason = reason.replace(str(url.password), "***")
        where = url.render_as_string(hide_password=True)
        raise ConnectionFailed(
            f"GX cannot connect to the database at {where}: {reason}", "check --url"
        ) from None


def run_gx(
    engine_or_url: Engine | str,
    contracts: Iterable[Contract],
    select: str | None = None,
    sample_limit: int = 20,
) -> RunResult:
    """Validate every (selected) check with GX on an ephemeral context; results as the SQL engine's."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else parse_url(engine_or_url)
    if not url.drivername.startswith("postgresql"):
        raise EtlqError(f"the gx engine needs a postgresql:// URL, got {url.drivername}://")
    contracts = list(contracts)
    specs = plan_checks(contracts, select)
    started = time.perf_counter()
    results: list[CheckResult] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, source = _context(url)
        for contract in contracts:
            mine = [s for s in specs if s.table == contract.table]
            if mine:
                results += _run_table(source, contract, mine, sample_limit)
    return RunResult(tuple(results), "gx", time.perf_counter() - started)


def _run_table(
    source: Any, contract: Contract, specs: list[CheckSpec], sample_limit: int
) -> list[CheckResult]:
    try:
        # a query asset quotes any identifier; GX's table assets lower-case unquoted names
        asset = source.add_query_asset(contract.table, query=f"SELECT * FROM {quote_table(contract.table)}")
    except Exception as exc:  # GX's TestConnectionError: the table is missing or unreadable
        reason = str(exc).strip().splitlines()[0]
        return [
            CheckResult(s, "error", message=f"table {contract.table} cannot be read: {reason}") for s in specs
        ]
    results: dict[str, CheckResult] = {}
    for spec in specs:
        if spec.kind not in COMPILERS:
            results[spec.id] = CheckResult(
                spec, "not_evaluated", message=f"GX has no expectation for {spec.kind}"
            )
    suite = compile_suite(contract, [s for s in specs if s.id not in results])
    started = time.perf_counter()
    batch = asset.add_batch_definition_whole_table("all").get_batch()
    validation = batch.validate(
        suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": max(sample_limit, 1)}
    )
    share = (time.perf_counter() - started) / max(len(validation.results), 1)
    by_id = {s.id: s for s in specs}
    for item in validation.results:
        spec = by_id[item.expectation_config.meta["check_id"]]
        results[spec.id] = _result(spec, item, share, sample_limit)
    return [results[s.id] for s in specs]
