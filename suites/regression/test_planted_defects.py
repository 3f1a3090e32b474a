"""Planted defects: does the harness catch what it must? (local mode only)

The data generator plants defects and writes a manifest naming, for each, who must catch it:
the ETL's ingest (``quarantine``), a contract check (its id), or nobody (``load``: a legal
edge case that must load intact). The data is loaded through the real ETL without its GX gate,
which would stop it before gold; then every manifest entry is looked up. Clean data, for
contrast, must pass every check.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import allure
import pytest
from sqlalchemy import column, func, select, table

from etlq.checks.sql_engine import run_checks
from etlq.contracts import Contract
from etlq.pipeline import Pipeline
from etlq.verdicts.text import failure_text
from etlq.warehouse import Warehouse

pytestmark = [pytest.mark.regression, pytest.mark.quality, pytest.mark.slow, allure.epic("planted defects")]


def _defects(warehouse: Warehouse, expect: str | None = None) -> list[dict[str, Any]]:
    entries = (warehouse.manifest or {}).get("defects", [])
    if expect is None:
        return [d for d in entries if d["expect"] not in ("quarantine", "load")]
    return [d for d in entries if d["expect"] == expect]


def _uri(warehouse: Warehouse, entry: dict[str, Any]) -> str:
    return f"s3://{warehouse.raw_bucket}/{entry['file']}"


def _listing(entries: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {d['file']}:{d['line']} {d['kind']} {d['column'] or ''} (expect {d['expect']})" for d in entries
    )


def test_clean_data_passes_every_check(etlq_warehouse: Warehouse, etlq_contracts: list[Contract]) -> None:
    if etlq_warehouse.mode != "local":
        pytest.skip("only generated data is known to be clean: run with --etlq-mode=local")
    run = run_checks(etlq_warehouse.engine, etlq_contracts)
    failed = [r for r in run.results if not r.passed]
    assert run.results, "the contracts declare no checks"
    assert not failed, f"{len(failed)} check(s) fail on clean data:\n\n" + "\n\n".join(
        failure_text(r) for r in failed
    )


def test_unparseable_records_are_quarantined(
    etlq_defect_warehouse: Warehouse, etlq_pipeline: Pipeline
) -> None:
    planted = _defects(etlq_defect_warehouse, "quarantine")
    assert planted, "the generator planted no defect for the ETL to quarantine; raise --etlq-defects"
    records = etlq_pipeline.quarantined_records(etlq_defect_warehouse.url, etlq_defect_warehouse.run_date)
    found = {(r["file"], r["line"]) for r in records}
    missed = [d for d in planted if (_uri(etlq_defect_warehouse, d), d["line"]) not in found]
    assert not missed, (
        f"{len(missed)} of {len(planted)} defect(s) not quarantined by pipeline {etlq_pipeline.name!r}:\n"
        + _listing(missed)
    )


def test_quarantine_holds_exactly_the_planted_rows_with_their_reasons(
    etlq_defect_warehouse: Warehouse, etlq_pipeline: Pipeline
) -> None:
    """No more, no fewer: every quarantined record is a planted one, with a reason code of the
    rule it was planted for (Pipeline.quarantine_rules)."""
    planted = {
        (_uri(etlq_defect_warehouse, d), d["line"]): d for d in _defects(etlq_defect_warehouse, "quarantine")
    }
    rules = etlq_pipeline.quarantine_rules()
    records = etlq_pipeline.quarantined_records(etlq_defect_warehouse.url, etlq_defect_warehouse.run_date)
    extra = [r for r in records if (r["file"], r["line"]) not in planted]
    wrong = [
        (r, planted[(r["file"], r["line"])])
        for r in records
        if (r["file"], r["line"]) in planted
        and r["reason"] not in rules.get(planted[(r["file"], r["line"])]["rule"], ())
    ]
    assert not extra, f"{len(extra)} record(s) quarantined that are not planted defects:\n" + "\n".join(
        f"  {r['file']}:{r['line']} {r['reason']}" for r in extra[:20]
    )
    assert not wrong, f"{len(wrong)} record(s) quarantined for another reason than planted:\n" + "\n".join(
        f"  {r['file']}:{r['line']} {r['reason']} (planted {d['kind']}: {rules.get(d['rule'])})"
        for r, d in wrong[:20]
    )


def test_clean_data_quarantines_nothing(etlq_warehouse: Warehouse, etlq_pipeline: Pipeline) -> None:
    if etlq_warehouse.mode != "local":
        pytest.skip("only generated data is known to be clean: run with --etlq-mode=local")
    records = etlq_pipeline.quarantined_records(etlq_warehouse.url, etlq_warehouse.run_date)
    assert not records, f"{len(records)} clean record(s) quarantined:\n" + "\n".join(
        f"  {r['file']}:{r['line']} {r['reason']}" for r in records[:20]
    )


def test_rule_breaking_rows_fail_their_check(
    etlq_defect_warehouse: Warehouse, etlq_contracts: list[Contract]
) -> None:
    planted = _defects(etlq_defect_warehouse)
    assert planted, "the generator planted no defect for a contract check; raise --etlq-defects"
    expected = Counter(d["expect"] for d in planted)
    results = run_checks(etlq_defect_warehouse.engine, etlq_contracts, select=",".join(expected)).by_id()
    problems = []
    for check, count in sorted(expected.items()):
        result = results.get(check)
        if result is None:
            problems.append(f"  {check}: no such check in the contracts ({count} defect(s) expect it)")
        elif result.outcome != "failed" or (result.failing or 0) < count:
            problems.append(
                f"  {check}: {result.outcome} with {result.failing} failing, expected >= {count} "
                f"({result.message})"
            )
    assert not problems, "planted defects not caught by the check the manifest names:\n" + "\n".join(problems)


def test_legal_edge_cases_load_intact(
    etlq_defect_warehouse: Warehouse, staging_of_source: dict[str, str]
) -> None:
    planted = _defects(etlq_defect_warehouse, "load")
    if not planted:
        pytest.skip("the generator planted no legal edge case this time")
    missed = []
    with etlq_defect_warehouse.engine.connect() as conn:
        for entry in planted:
            schema, name = staging_of_source[entry["source"]].split(".", 1)
            staging = table(name, column("source_file"), column("source_line"), schema=schema)
            found = conn.execute(
                select(func.count())
                .select_from(staging)
                .where(staging.c.source_file == _uri(etlq_defect_warehouse, entry))
                .where(staging.c.source_line == entry["line"])
            ).scalar_one()
            if found != 1:
                missed.append(entry)
    assert not missed, f"{len(missed)} legal edge case(s) not loaded into staging:\n{_listing(missed)}"


@pytest.fixture(scope="module")
def staging_of_source(etlq_contracts: list[Contract]) -> dict[str, str]:
    """Raw source -> the staging table that loads it."""
    return {c.raw_source: c.table for c in etlq_contracts if c.raw_source}
