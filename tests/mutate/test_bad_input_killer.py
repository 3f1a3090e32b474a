"""BadInputKiller: the bad-input corpus through a mutated ingest on the real ETL. Hand-written
defects of the typing SQL are killed with the file that shows them, the unmutated pipeline
passes, a manifest that lies about a file is reported naming it, and a bad corpus folder is one
line."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from etlq.contracts import load_contracts
from etlq.errors import EtlqError
from etlq.mutate.bad_inputs import BadInputKiller, load_corpus
from etlq.mutate.killers import BASE, GoldenKiller, WarehouseKiller, default_killers
from etlq.mutate.runner import classify_error
from etlq.pipeline import Pipeline, find_pipeline

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "testdata" / "bad_inputs"
CONTRACTS = load_contracts(ROOT / "testdata" / "contracts")


@dataclass
class Lab:
    """A worker's lab (``killers.Lab``) on the test's server: ``fresh`` gives the database back
    with the pipeline's DDL and no rows, as a copy of ``base`` is."""

    server: Any
    pipeline: Pipeline
    raw_bucket: str
    run_dates: Sequence[dt.date] = (dt.date(2026, 11, 19),)
    database: str = field(default_factory=lambda: f"etlq_badin_{uuid.uuid4().hex[:8]}")

    def fresh(self, template: str) -> str:
        assert template == BASE
        url = str(self.server.create_database(self.database))
        self.pipeline.prepare(url)
        return url


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    found = find_pipeline().pipeline
    assert found is not None, "the ETL under test (etl/) is not installed"
    return found


@pytest.fixture
def lab(pg_server: Any, pipeline: Pipeline, raw_bucket: str) -> Any:
    made = Lab(pg_server, pipeline, raw_bucket)
    yield made
    pg_server.drop_database(made.database)


def mutated(pipeline: Pipeline, statement: str, old: str, new: str) -> dict[str, Any]:
    sql = pipeline.statements()[statement]
    assert old in sql, f"{statement} no longer holds {old!r}: rewrite this defect"
    return {"sql": {statement: sql.replace(old, new)}}


def test_the_unmutated_pipeline_passes(lab: Lab, pipeline: Pipeline) -> None:
    killer = BadInputKiller.from_folder(CORPUS, CONTRACTS)
    assert killer.sees("ingest") and not killer.sees("silver")
    assert killer.run(lab, pipeline, {"sql": dict(pipeline.statements())}) == []


@pytest.mark.parametrize(
    ("statement", "old", "new", "failure"),
    [
        # one decimal place too many: 10.001 is staged as 10.00
        (
            "ingest.typing_orders",
            "t.v_amount::numeric = round(t.v_amount::numeric, 2)",
            "t.v_amount::numeric = round(t.v_amount::numeric, 3)",
            "orders_bad_amounts.csv: staged 4, expected 3",
        ),
        # order_date's bad values quarantined under the wrong reason
        (
            "ingest.typing_orders",
            "'bad_date'",
            "'bad_timestamp'",
            "orders_bad_dates.csv: quarantined {'bad_timestamp': 4}, expected {'bad_date': 4}",
        ),
        # a trimmed value typed untrimmed again: ' 010 ' no longer reads as 10
        (
            "ingest.typing_orders",
            "audit.strip_blanks(l.customer_id) AS v_customer_id",
            "l.customer_id AS v_customer_id",
            "orders_padded_values.csv: staged 3, expected 4",
        ),
        # a ragged row's quarantine record names the first column, as if order_id were bad
        (
            "ingest.typing_orders",
            "WHEN t.error_code IS NOT NULL THEN 0 WHEN",
            "WHEN t.error_code IS NOT NULL THEN 1 WHEN",
            "orders_ragged_rows.csv: quarantined per column {'order_id': 2}, expected {None: 2}",
        ),
    ],
    ids=["decimal-places", "date-reason", "untrimmed", "split-error-column"],
)
def test_a_defect_of_the_typing_sql_is_killed(
    lab: Lab, pipeline: Pipeline, statement: str, old: str, new: str, failure: str
) -> None:
    killer = BadInputKiller.from_folder(CORPUS, CONTRACTS)
    failures = killer.run(lab, pipeline, mutated(pipeline, statement, old, new))
    assert failure in failures


def test_a_defect_the_database_refuses_propagates_for_the_runner_to_classify(
    lab: Lab, pipeline: Pipeline
) -> None:
    """The phone limit off by one: the 33-character phone of customers_boundaries.csv reaches
    varchar(32), PostgreSQL refuses the row, and that error (not SQL that cannot run) kills."""
    killer = BadInputKiller.from_folder(CORPUS, CONTRACTS)
    defect = mutated(pipeline, "ingest.typing_customers", "length(t.v_phone) > 32", "length(t.v_phone) > 33")
    with pytest.raises(Exception, match="value too long for type character varying") as caught:
        killer.run(lab, pipeline, defect)
    assert classify_error(caught.value) == "killed"


def one_file_corpus(tmp_path: Path, file: str, entry: str) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS / "clean", folder / "clean")
    shutil.copy(CORPUS / file, folder / file)
    (folder / "manifest.yml").write_text(f"- file: {file}\n{entry}", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("file", "entry", "failure"),
    [
        (
            "orders_header_only.csv",
            "  refused: is empty\n",
            "orders_header_only.csv: ingested, expected refused with 'is empty'",
        ),
        (
            "orders_header_lacks_column.csv",
            "  refused: header lacks status\n",
            "orders_header_lacks_column.csv: refused with '",
        ),
        ("orders_empty_file.csv", "  staged: 0\n", "1 file(s) on 2099-01-01: refused: s3://"),
        (
            "orders_bad_dates.csv",
            "  staged: 2\n  quarantined: {bad_date: 4}\n  values: {order_date: [2026-11-19, 2024-02-28]}\n",
            "orders_bad_dates.csv: order_date staged as ['2026-11-19', '2024-02-29'], expected "
            "['2026-11-19', '2024-02-28']",
        ),
        (
            "fx_rates_bad_keys.csv",
            "  staged: 1\n  quarantined: {bad_date: 1, missing_value: 3}\n",
            "fx_rates_bad_keys.csv: quarantined {'bad_currency': 1, 'bad_date': 2, 'missing_value': 2},"
            " expected {'bad_date': 1, 'missing_value': 3}",
        ),
    ],
    ids=["not-refused", "other-refusal", "refused", "values", "reasons"],
)
def test_a_manifest_that_is_wrong_about_a_file_names_it(
    tmp_path: Path, lab: Lab, pipeline: Pipeline, file: str, entry: str, failure: str
) -> None:
    killer = BadInputKiller.from_folder(one_file_corpus(tmp_path, file, entry), CONTRACTS)
    failures = killer.run(lab, pipeline, {})
    assert len(failures) == 1 and failures[0].startswith(failure), failures


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (None, "no manifest.yml"),
        ("- file: invoices_x.csv\n  staged: 1\n", "names no source"),
        ("- file: orders_header_only.csv\n  staged: 0\n  refused: x\n", "exactly one of refused"),
        ("- file: orders_nope.csv\n  staged: 0\n", "not in the folder: orders_nope.csv"),
        ("- file: orders_header_only.csv\n  staged: -1\n", "whole numbers >= 0"),
        ("- file: orders_header_only.csv\n  staged: 0\n  quarantine: {}\n", "unknown key(s) quarantine"),
        ("- file: orders_header_only.csv\n  staged: 0\n  columns: {~: 1}\n", "adding up to quarantined's"),
    ],
    ids=["no-manifest", "no-source", "both", "missing-file", "negative", "typo", "columns"],
)
def test_a_bad_corpus_folder_is_one_line(tmp_path: Path, manifest: str | None, message: str) -> None:
    folder = one_file_corpus(tmp_path, "orders_header_only.csv", "  staged: 0\n")
    if manifest is None:
        (folder / "manifest.yml").unlink()
    else:
        (folder / "manifest.yml").write_text(manifest, encoding="utf-8")
    with pytest.raises(EtlqError) as caught:
        load_corpus(folder)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_the_killer_runs_between_the_golden_cases_and_the_warehouse_checks() -> None:
    from etlq.golden.cases import load_cases

    cases = load_cases(ROOT / "testdata" / "cases")
    killers = default_killers(cases, CONTRACTS, CORPUS)
    kinds = [type(k) for k in killers]
    assert kinds == [GoldenKiller] * len(cases) + [BadInputKiller, WarehouseKiller]
    assert BadInputKiller not in map(type, default_killers(cases, CONTRACTS))


def test_a_missing_bad_inputs_folder_is_exit_2(tmp_path: Path) -> None:
    command = [str(Path(sys.executable).with_name("etlq")), "mutate", "--bad-inputs", str(tmp_path / "none")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--bad-inputs" in done.stderr and "no such folder" in done.stderr
