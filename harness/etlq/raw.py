"""Raw files -> staging + quarantine: count the records of a run's raw files in S3,
independently of the pipeline's own counts, and compare them with what it staged and quarantined.

Records are CSV records (a quoted field may span lines), the header excluded. Objects are
streamed in chunks; nothing is held in memory but the current line. Where a source's files
land (``raw_prefix``) and what was quarantined come from the pipeline under test.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from sqlalchemy import column, func, select, table

from etlq import aws
from etlq.contracts import Contract
from etlq.errors import EtlqError
from etlq.pipeline import missing
from etlq.verdicts import Verdict, failed, passed, skipped
from etlq.warehouse import Warehouse, read_only

NO_BUCKET = (
    "no raw bucket to count: pass --etlq-raw-bucket (Robot: raw_bucket= of Connect To Warehouse, "
    "-v RAW_BUCKET:...), set ETLQ_RAW_BUCKET, or use a local warehouse"
)


def _lines(body: Any) -> Iterator[str]:
    pending = b""
    for chunk in body.iter_chunks(chunk_size=1 << 20):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield (line + b"\n").decode("utf-8", errors="replace")
    if pending:
        yield pending.decode("utf-8", errors="replace")


def count_records(s3: Any, bucket: str, key: str) -> int:
    """CSV records of one object, header excluded."""
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    return max(sum(1 for _ in csv.reader(_lines(body))) - 1, 0)


def raw_record_counts(s3: Any, bucket: str, prefix: str) -> dict[str, int]:
    """``s3://`` URI -> records, for every ``*.csv`` under ``prefix`` (one source, one run date).

    A missing bucket, unreachable endpoint or missing credentials raise a one-line ``EtlqError``."""
    from botocore.exceptions import BotoCoreError, ClientError

    counts = {}
    try:
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["Key"].endswith(".csv"):
                    counts[f"s3://{bucket}/{obj['Key']}"] = count_records(s3, bucket, obj["Key"])
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise EtlqError(
            f"cannot count the raw files in s3://{bucket}/{prefix}: {error.get('Code')}: "
            f"{error.get('Message') or exc} (endpoint {s3.meta.endpoint_url})",
            "pass the landing bucket (--etlq-raw-bucket, ETLQ_RAW_BUCKET, Robot -v RAW_BUCKET:...)",
        ) from None
    except BotoCoreError as exc:
        raise EtlqError(
            f"cannot count the raw files in s3://{bucket}/{prefix}: {exc} (endpoint {s3.meta.endpoint_url})",
            "pass --etlq-aws-endpoint or set ETLQ_AWS_ENDPOINT_URL",
        ) from None
    return counts


def raw_reconciles(warehouse: Warehouse, contract: Contract) -> Verdict:
    """Every record of the run date's raw files of ``contract`` (a staging table) is either in
    its table (``run_date`` = the run date) or quarantined by the pipeline for that source.

    Skipped when it cannot apply (no raw source, no pipeline, no bucket); an unreadable bucket
    raises ``EtlqError``."""
    source, found = contract.raw_source, warehouse.pipeline
    if source is None:
        return skipped(f"{contract.table} names no raw source")
    if found.pipeline is None:
        return skipped(missing(found, "raw files reconciliation (the landing layout, the quarantine)"))
    if warehouse.raw_bucket is None:
        return skipped(NO_BUCKET)
    day, bucket = warehouse.run_date, warehouse.raw_bucket
    prefix = found.pipeline.raw_prefix(source, day)
    files = raw_record_counts(aws.client("s3", warehouse.aws_endpoint), bucket, prefix)
    if not files:  # nothing to count is no evidence that every record arrived
        return failed(f"{source} on {day}: no raw files in s3://{bucket}/{prefix}")
    staging = table(contract.name, column("run_date"), schema=contract.schema)
    staged_sql = select(func.count()).select_from(staging).where(staging.c.run_date == day)
    with read_only(warehouse.engine) as conn:
        staged = int(conn.execute(staged_sql).scalar_one())
    quarantined = int(found.pipeline.quarantined(warehouse.url, day).get(source, 0))
    records = sum(files.values())
    missing_records = records - staged - quarantined
    counts = {"records": records, "files": len(files), "staged": staged, "quarantined": quarantined}
    if missing_records:
        return failed(
            f"{source} on {day}: {records} raw records in {len(files)} file(s), but {staged} staged + "
            f"{quarantined} quarantined = {staged + quarantined} ({missing_records:+d} unaccounted)",
            **counts,
        )
    return passed(
        f"{source} on {day}: {records} raw records = {staged} staged + {quarantined} quarantined", **counts
    )
