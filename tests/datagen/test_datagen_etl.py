"""The manifest agrees with the real ETL: generated files land in S3 (moto server), the real ingest
job loads them, and the quarantined lines are exactly the manifest's ``expect: quarantine`` lines."""

from __future__ import annotations

import json

import sqlalchemy as sa
from datagen_support import RUN_DATE

from etlq.contracts.model import Contract
from etlq.datagen import GenerateOptions, generate


def test_ingest_quarantines_exactly_the_planted_lines(
    project_contracts: list[Contract], raw_bucket: str, fresh_database_url: str
) -> None:
    from etl.pipeline import run_ingest

    options = GenerateOptions(out=f"s3://{raw_bucket}", rows=3000, seed=21, run_date=RUN_DATE, defects=0.03)
    generate(project_contracts, options)
    import boto3

    doc = json.loads(boto3.client("s3").get_object(Bucket=raw_bucket, Key="manifest.json")["Body"].read())
    result = run_ingest(fresh_database_url, RUN_DATE, bucket=raw_bucket)
    engine = sa.create_engine(fresh_database_url)
    with engine.connect() as conn:
        quarantined = {
            (file.removeprefix(f"s3://{raw_bucket}/"), line): reason
            for file, line, reason in conn.execute(
                sa.text("SELECT source_file, line_no, reason_code FROM audit.quarantine")
            )
        }
        staged = {
            s: conn.execute(sa.text(f"SELECT count(*) FROM staging.{s}")).scalar_one()
            for s in ("orders", "customers", "fx_rates")
        }
    engine.dispose()
    expected = {(d["file"], d["line"]) for d in doc["defects"] if d["expect"] == "quarantine"}
    assert expected, "the run planted nothing to quarantine"
    assert set(quarantined) == expected, {
        "quarantined but not planted": sorted(set(quarantined) - expected)[:5],
        "planted but loaded": sorted(expected - set(quarantined))[:5],
    }
    for source, info in doc["tables"].items():
        assert staged[source] == info["rows"] - sum(
            1 for d in doc["defects"] if d["source"] == source and d["expect"] == "quarantine"
        )
    assert result.rows_rejected == len(expected)
