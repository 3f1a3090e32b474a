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
from collections.abc import Iterable, Sequence
from typing import Any

from etlq.extras import require_extra

# the 'gx' extra: importing this module without it is one MissingExtra line, not a traceback
require_extra("great_expectations", "gx", "the Great Expectations engine")

import great_expectations as gx
from great_expectations.core import ExpectationSuite
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.metadata_types import FailureSeverity
from sqlalchemy import URL, Engine

from etlq.checks.messages import describe
from etlq.checks.plan import plan_checks, plan_contract
from etlq.checks.results import CheckResult, CheckSpec, RunResult
from etlq.connect import parse_url, scrub, session_args
from etlq.contracts.kinds import BY_NAME
from etlq.contracts.kinds.forms import quote_table
from etlq.contracts.model import Contract
from etlq.errors import ConnectionFailed, EtlqError

_SEVERITY = {"error": FailureSeverity.CRITICAL, "warn": FailureSeverity.WARNING}


def compile_expectation(spec: CheckSpec) -> Expectation | None:
    """The GX expectation for one check, or None when its kind has no GX form (``no_gx`` says why)."""
    compiler = BY_NAME[spec.kind].gx
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
    counts = BY_NAME[spec.kind].gx_counts
    if counts is not None:
        failing, total = counts(validation, found)
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
        kind = BY_NAME[spec.kind]
        if kind.gx is None:
            results[spec.id] = CheckResult(
                spec, "not_evaluated", message=f"GX has no expectation for {spec.kind}: {kind.no_gx}"
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
