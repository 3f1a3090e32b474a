"""Count the records of a run's raw files in S3, independently of the ETL's own counts.

Records are CSV records (a quoted field may span lines), the header excluded. Objects are
streamed in chunks; nothing is held in memory but the current line.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from etlq.errors import EtlqError


def raw_prefix(source: str, run_date: dt.date) -> str:
    return f"raw/{source}/run_date={run_date.isoformat()}/"


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


def raw_record_counts(s3: Any, bucket: str, source: str, run_date: dt.date) -> dict[str, int]:
    """``s3://`` URI -> records, for every ``*.csv`` of ``source`` on ``run_date``.

    A missing bucket, unreachable endpoint or missing credentials raise a one-line ``EtlqError``."""
    from botocore.exceptions import BotoCoreError, ClientError

    counts = {}
    prefix = raw_prefix(source, run_date)
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
