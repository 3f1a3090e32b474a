"""The quality gate between silver and gold: Great Expectations 1.x suites on PostgreSQL.

Suites are GX suite JSON (``ExpectationSuite.to_json_dict()``), given as dicts, a JSON file or
directory, or an ``s3://`` prefix. A suite names its table in ``meta.table`` (else its
``name``), as ``schema.table``. An expectation's ``meta.severity`` is ``error`` (default) or
``warn``; when absent, GX's own severity ``warning``/``info`` counts as ``warn``.

Suites of gold tables are not validated here (gold does not exist yet for this run; the
contract checks cover gold). Every validation result is written to
``s3://<bucket>/quality/<schema.table>/<timestamp>.json``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Union

from etl import aws, db
from etl.errors import EtlInputError, QualityGateFailed
from etl.runner import Counts

# Glue Python shell runs Python 3.9: no `X | Y` outside annotations in etl/.
Expectations = Union[str, Path, Sequence[dict[str, Any]], None]  # noqa: UP007
NOT_GATED_SCHEMAS = ("gold",)


def _as_suites(document: Any, where: str) -> list[dict[str, Any]]:
    items = document if isinstance(document, list) else [document]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("expectations"), list):
            raise EtlInputError(f"{where}: not a GX expectation suite (a JSON object with 'expectations')")
    return items


def load_suites(expectations: Expectations, s3: Any = None) -> list[dict[str, Any]]:
    """Suite dicts from in-memory dicts, a JSON file, a directory of them, or an s3:// prefix."""
    if expectations is None:
        return []
    if isinstance(expectations, str) and expectations.startswith("s3://"):
        documents = aws.read_json_objects(s3 if s3 is not None else aws.client("s3"), expectations)
        return _found([suite for doc in documents for suite in _as_suites(doc, expectations)], expectations)
    if isinstance(expectations, (str, Path)):
        path = Path(expectations)
        if not path.exists():
            raise EtlInputError(
                f"{path}: no such expectation suite file or directory",
                "pass a GX suite JSON file, a directory of them, or an s3:// prefix",
            )
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        suites = []
        for file in files:
            try:
                suites += _as_suites(json.loads(file.read_text(encoding="utf-8")), str(file))
            except json.JSONDecodeError as exc:
                raise EtlInputError(f"{file}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        return _found(suites, str(path))
    return _as_suites(list(expectations), "expectations")


def _found(suites: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """A location given on purpose must hold suites: an empty one (a typo in the prefix) would
    otherwise skip the gate silently and let gold load unchecked."""
    if not suites:
        raise EtlInputError(
            f"no expectation suites (*.json) at {where}",
            "upload the GX suites there (etlq export gx)",
            "pass --expectations with the location that holds them",
        )
    return suites


def suite_table(suite: dict[str, Any]) -> str:
    table = (suite.get("meta") or {}).get("table") or suite.get("name") or ""
    if not isinstance(table, str) or table.count(".") != 1:
        raise EtlInputError(
            f"expectation suite {suite.get('name')!r} names no table",
            "set meta.table (or the suite name) to 'schema.table'",
        )
    return table


def expectation_severity(config: dict[str, Any]) -> str:
    meta_severity = (config.get("meta") or {}).get("severity")
    if meta_severity is not None:
        return "warn" if str(meta_severity).lower() in {"warn", "warning"} else "error"
    return "warn" if str(config.get("severity", "critical")).lower() in {"warning", "info"} else "error"


@dataclass(frozen=True)
class TableValidation:
    table: str
    evaluated: int
    error_failures: tuple[str, ...]
    warn_failures: tuple[str, ...]
    result_uri: str


def _exception(info: dict[str, Any] | None) -> str | None:
    """GX reports an exception either flat or per metric (``{metric_id: {raised_exception, ...}}``)."""
    entries = [info] if info and "raised_exception" in info else list((info or {}).values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return (str(entry.get("exception_message") or "").strip().splitlines() or ["an error"])[0]
    return None


def _describe(result: dict[str, Any], table: str) -> str:
    """``<check id or table::expectation(column)>: <what failed>``, one line."""
    config = result.get("expectation_config") or {}
    kwargs = config.get("kwargs") or {}
    target = kwargs.get("column") or ",".join(kwargs.get("column_list") or [])
    name = (config.get("meta") or {}).get("check_id") or f"{table}::{config.get('type')}({target})"
    detail = result.get("result") or {}
    problem = _exception(result.get("exception_info"))
    if problem is not None:
        outcome = f"raised {problem}"
    elif "unexpected_count" in detail:
        outcome = f"{detail['unexpected_count']} unexpected"
    else:
        outcome = f"observed {detail.get('observed_value')!r}"
    return f"{name}: {outcome}"


def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def validate(
    database_url: str, suites: Sequence[dict[str, Any]], *, s3: Any, bucket: str, run_date: date, run_id: int
) -> list[TableValidation]:
    """Validate every suite and store each result in S3; raises nothing for failed expectations."""
    import great_expectations as gx
    from great_expectations.core.expectation_suite import ExpectationSuite

    context = _context()
    source = context.data_sources.add_postgres("etlq", connection_string=db.sqlalchemy_url(database_url))
    now = datetime.now(timezone.utc)  # noqa: UP017 (Python 3.9)
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    validations = []
    for i, suite_dict in enumerate(suites):
        table = suite_table(suite_dict)
        schema, name = table.split(".")
        with warnings.catch_warnings():
            # GX 1.14 deprecated schema_name, but for PostgreSQL it offers no other way to name one.
            warnings.simplefilter("ignore", DeprecationWarning)
            asset = source.add_table_asset(f"{table}#{i}", table_name=name, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("whole_table")
        # The suite's own id (if any) belongs to the context that saved it, not to this one.
        fields = {
            k: suite_dict[k] for k in ("expectations", "suite_parameters", "meta", "notes") if k in suite_dict
        }
        suite = context.suites.add(ExpectationSuite(name=f"{suite_dict.get('name')}#{i}", **fields))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"gate#{i}", data=batch, suite=suite)
        )
        document = definition.run(result_format="SUMMARY").to_json_dict()
        failed = [
            (expectation_severity(r.get("expectation_config") or {}), _describe(r, table))
            for r in document.get("results", [])
            if not r.get("success")
        ]
        errors = tuple(text for severity, text in failed if severity == "error")
        warns = tuple(text for severity, text in failed if severity == "warn")
        document["etlq"] = {
            "table": table,
            "run_date": run_date.isoformat(),
            "run_id": run_id,
            "gate": "failed" if errors else "passed",
            "error_failures": list(errors),
            "warn_failures": list(warns),
        }
        uri = aws.put_json(s3, bucket, f"quality/{table}/{stamp}.json", document)
        validations.append(TableValidation(table, len(document.get("results", [])), errors, warns, uri))
    return validations


def _missing_tables(conn: Any, tables: Sequence[str]) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NULL", (list(tables),))
        return [row[0] for row in cur.fetchall()]


def quality_gate(
    conn: Any,
    run_id: int,
    *,
    database_url: str,
    suites: Sequence[dict[str, Any]],
    s3: Any,
    bucket: str,
    run_date: date,
) -> Counts:
    """The gate job body: raises ``QualityGateFailed`` when an error-severity expectation fails."""
    gated = [s for s in suites if suite_table(s).split(".")[0] not in NOT_GATED_SCHEMAS]
    gated_tables = {suite_table(s) for s in gated}
    not_gated = sorted({suite_table(s) for s in suites} - gated_tables)
    missing = _missing_tables(conn, sorted(gated_tables))
    if missing:
        raise EtlInputError(
            f"expectation suites name tables that do not exist: {', '.join(missing)}",
            "fix meta.table of those suites",
        )
    validations = validate(database_url, gated, s3=s3, bucket=bucket, run_date=run_date, run_id=run_id)
    failures = [f for v in validations for f in v.error_failures]
    warnings_ = [f for v in validations for f in v.warn_failures]
    details = {
        "results": {v.table: v.result_uri for v in validations},
        "error_failures": failures,
        "warn_failures": warnings_,
        "not_gated": not_gated,
    }
    if failures:
        shown = "; ".join(failures[:3]) + (f"; and {len(failures) - 3} more" if len(failures) > 3 else "")
        exc = QualityGateFailed(
            f"quality gate failed before gold ({len(failures)} error expectation(s)): {shown}; "
            f"results in s3://{bucket}/quality/"
        )
        exc.details = details
        raise exc
    # For the gate, "rows" are expectations: evaluated, passed, failed (warn-only on success).
    evaluated = sum(v.evaluated for v in validations)
    return Counts(evaluated, evaluated - len(warnings_), len(warnings_), details)
