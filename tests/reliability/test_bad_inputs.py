"""The bad-input corpus (testdata/bad_inputs/manifest.yml): every record of every file staged or
quarantined with the manifest's reason codes, or the file refused in one line with nothing staged,
and the same outcome whatever size the blocks read from S3 are (issue 11, part 6).

Landing and comparing are etlq's (``etlq.mutate.bad_inputs``): ``etlq mutate`` runs the same
corpus against mutants of the ingest's SQL."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
from etl_support import D1

from etl import aws
from etl.etlq_pipeline import pipeline
from etl.pipeline import as_run_date
from etl.sources import SOURCES
from etlq.contracts import load_contracts
from etlq.mutate.bad_inputs import BadInput, Lineage, check, land, load_corpus, staging_tables

ROOT = Path(__file__).parents[2]
CORPUS = load_corpus(ROOT / "testdata" / "bad_inputs")
TABLES = staging_tables(load_contracts(ROOT / "testdata" / "contracts"), list(CORPUS.clean))
# S3 reads of 1 MiB (the ETL's own) and of 7 bytes: every record then starts a block of its own,
# so a quoted, oversize or badly encoded record takes the block-by-block path too
READS = {"1MiB reads": None, "7-byte reads": 7}


def test_the_corpus_is_complete() -> None:
    """Every file has exactly one manifest entry, there are at least 30 of them, and the clean
    day has every source the ETL ingests."""
    listed = [case.file for case in CORPUS.cases]
    on_disk = sorted(p.name for p in CORPUS.folder.glob("*.csv"))
    assert sorted(listed) == on_disk
    assert len(set(listed)) == len(listed) >= 30
    assert sorted(CORPUS.clean) == sorted(s.name for s in SOURCES)


@pytest.mark.parametrize("reads", READS.values(), ids=READS.keys())
@pytest.mark.parametrize("case", CORPUS.cases, ids=[c.id for c in CORPUS.cases])
def test_bad_input_is_accounted_for(
    case: BadInput, reads: int | None, db: str, raw_bucket: str, s3: Any, monkeypatch: Any
) -> None:
    day = as_run_date(D1)
    landed = land(s3, raw_bucket, pipeline, CORPUS, [case], day)
    if reads:
        monkeypatch.setattr(aws, "_CHUNK", reads)
    ingest = partial(pipeline.ingest, db, day, raw_bucket=raw_bucket)
    failures = check(pipeline, db, landed, TABLES, Lineage.of(pipeline), ingest)
    assert not failures, "\n".join(failures)
    if case.refused is None:  # the job's own count of the file's records
        counted = pipeline.job_runs(db, day)[-1]["details"]["sources"][case.source]
        assert counted["rows_in"] == case.staged + sum(case.quarantined.values())
