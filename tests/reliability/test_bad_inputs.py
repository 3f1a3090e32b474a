"""The bad-input corpus (testdata/bad_inputs/manifest.yml): every record of every file staged or
quarantined with the manifest's reason codes, or the file refused in one line with nothing staged,
and the same outcome whatever size the blocks read from S3 are (issue 11, part 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from etl_support import D1, DAY, query

from etl import aws, pipeline
from etl.errors import EtlInputError

CORPUS = Path(__file__).parents[2] / "testdata" / "bad_inputs"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "manifest.yml").read_text(encoding="utf-8"))
SOURCES = ("orders", "customers", "fx_rates")
# S3 reads of 1 MiB (the ETL's own) and of 7 bytes: every record then starts a block of its own,
# so a quoted, oversize or badly encoded record takes the block-by-block path too
READS = {"1MiB reads": None, "7-byte reads": 7}


def source_of(file: str) -> str:
    return next(s for s in SOURCES if file.startswith(s + "_"))


def test_the_corpus_is_complete() -> None:
    """Every file has exactly one manifest entry, and there are at least 30 of them."""
    listed = [case["file"] for case in CASES]
    on_disk = sorted(p.name for p in CORPUS.glob("*.csv"))
    assert sorted(listed) == on_disk
    assert len(set(listed)) == len(listed) >= 30


@pytest.mark.parametrize("reads", READS.values(), ids=READS.keys())
@pytest.mark.parametrize("case", CASES, ids=[c["file"].removesuffix(".csv") for c in CASES])
def test_bad_input_is_accounted_for(
    case: dict[str, Any], reads: int | None, db: str, raw_bucket: str, land: Any, monkeypatch: Any
) -> None:
    source = source_of(case["file"])
    for other in SOURCES:
        if other != source:
            land(other, D1, DAY[other])
    land(source, D1, (CORPUS / case["file"]).read_bytes(), name=case["file"])
    if reads:
        monkeypatch.setattr(aws, "_CHUNK", reads)
    run_date = pipeline.as_run_date(D1)
    if "refused" in case:
        with pytest.raises(EtlInputError) as caught:
            pipeline.run_ingest(db, run_date, bucket=raw_bucket)
        message = str(caught.value)
        assert case["refused"] in message and case["file"] in message and "\n" not in message
        assert [query(db, f"SELECT count(*) FROM staging.{s}")[0][0] for s in SOURCES] == [0, 0, 0]
        return
    result = pipeline.run_ingest(db, run_date, bucket=raw_bucket)
    reasons = query(
        db, "SELECT reason_code, count(*) FROM audit.quarantine WHERE source = %s GROUP BY 1", (source,)
    )
    staged = query(db, f"SELECT count(*) FROM staging.{source}")[0][0]
    assert (staged, dict(reasons)) == (case["staged"], case.get("quarantined", {}))
    counted = result.details["sources"][source]
    assert counted["rows_in"] == case["staged"] + sum(case.get("quarantined", {}).values())
    for column, values in case.get("values", {}).items():
        rows = query(db, f"SELECT {column}::text FROM staging.{source} ORDER BY source_line")
        assert [v for (v,) in rows] == [str(v) for v in values]
