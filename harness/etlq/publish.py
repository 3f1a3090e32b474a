"""Publish a check run's results to AWS: JSON to S3, an SNS alert on failures, CloudWatch metrics.

Takes the check-result JSON (``RunResult.to_json()``: ``{"checks": [{"id", "table", "kind",
"column", "severity", "outcome", "failing", "total", ...}], "summary": {...}}``) as plain dicts,
so it works on a saved report as well as on a fresh run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from etlq import aws
from etlq.errors import ConnectionFailed, EtlqError

NAMESPACE = "etlq"
FAILED_OUTCOMES = ("failed", "error")
_SUBJECT_MAX = 100  # SNS rejects longer subjects


@dataclass(frozen=True)
class Published:
    objects: tuple[str, ...]  # s3:// URIs, one per table
    alert_message_id: str | None  # None: nothing failed, no alert sent
    metrics: tuple[dict[str, Any], ...]  # the CloudWatch datapoints sent


def object_key(table: str, when: dt.datetime) -> str:
    return f"quality/{table}/{when.strftime('%Y%m%dT%H%M%S.%fZ')}.json"


def _checks_by_table(report: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    checks = report.get("checks")
    if not isinstance(checks, list):
        raise EtlqError("check results have no 'checks' list", "pass the JSON of `etlq check --format json`")
    tables: dict[str, list[Mapping[str, Any]]] = {}
    for n, check in enumerate(checks):
        if not isinstance(check, Mapping) or not check.get("table") or not check.get("outcome"):
            raise EtlqError(
                f"check result #{n + 1} has no 'table' or 'outcome'",
                "pass the JSON of `etlq check --format json`",
            )
        tables.setdefault(str(check["table"]), []).append(check)
    return tables


def _failed(checks: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [c for c in checks if c["outcome"] in FAILED_OUTCOMES]


def _summary(checks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {
        "total": len(checks),
        "passed": sum(c["outcome"] == "passed" for c in checks),
        "failed": len(_failed(checks)),
        "failing_rows": sum(int(c.get("failing") or 0) for c in _failed(checks)),
    }


def metric_data(tables: Mapping[str, Sequence[Mapping[str, Any]]], when: dt.datetime) -> list[dict[str, Any]]:
    """ChecksFailed / ChecksPassed / FailingRows per table (dimension ``Table``)."""
    data = []
    for table, checks in sorted(tables.items()):
        summary = _summary(checks)
        for name, value in (
            ("ChecksFailed", summary["failed"]),
            ("ChecksPassed", summary["passed"]),
            ("FailingRows", summary["failing_rows"]),
        ):
            data.append(
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": "Table", "Value": table}],
                    "Timestamp": when,
                    "Value": float(value),
                    "Unit": "Count",
                }
            )
    return data


def alert(
    tables: Mapping[str, Sequence[Mapping[str, Any]]], objects: Sequence[str]
) -> tuple[str, str] | None:
    """The SNS (subject, message) for the failed checks, or None when nothing failed."""
    failed = [c for checks in tables.values() for c in _failed(checks)]
    if not failed:
        return None
    failing_tables = sorted({str(c["table"]) for c in failed})
    subject = f"etlq: {len(failed)} check(s) failed on {', '.join(failing_tables)}"
    if len(subject) > _SUBJECT_MAX:
        subject = subject[: _SUBJECT_MAX - 3] + "..."
    all_checks = [c for checks in tables.values() for c in checks]
    message = {
        "summary": _summary(all_checks),
        "failed": [
            {key: c.get(key) for key in ("id", "table", "severity", "outcome", "failing", "total")}
            for c in failed
        ],
        "results": list(objects),
    }
    return subject, json.dumps(message, indent=2)


@contextmanager
def _aws_errors(action: str, endpoint_url: str | None) -> Iterator[None]:
    try:
        yield
    except aws.errors() as exc:
        raise ConnectionFailed(
            f"cannot {action} at {endpoint_url or 'AWS'}: {exc}",
            "check the bucket / topic exist (`etlq env up` creates them locally)",
            "check AWS credentials and ETLQ_AWS_ENDPOINT_URL",
        ) from None


def publish_results(
    report: Mapping[str, Any],
    *,
    bucket: str,
    topic_arn: str | None = None,
    endpoint_url: str | None = None,
    when: dt.datetime | None = None,
) -> Published:
    """Write one JSON object per table to ``s3://bucket/quality/<table>/<timestamp>.json``, send
    one SNS alert to ``topic_arn`` if a check failed or errored, and put the CloudWatch metrics."""
    when = when or dt.datetime.now(dt.UTC)
    tables = _checks_by_table(report)
    objects = []
    s3 = aws.client("s3", endpoint_url)
    for table, checks in sorted(tables.items()):
        key = object_key(table, when)
        body = {
            "table": table,
            "published_at": when.isoformat(),
            "summary": _summary(checks),
            "checks": list(checks),
        }
        with _aws_errors(f"write s3://{bucket}/{key}", endpoint_url):
            s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=json.dumps(body, indent=2, default=str).encode(),
                ContentType="application/json",
            )
        objects.append(f"s3://{bucket}/{key}")
    message_id = None
    notice = alert(tables, objects)
    if notice and topic_arn:
        with _aws_errors(f"publish to SNS topic {topic_arn}", endpoint_url):
            response = aws.client("sns", endpoint_url).publish(
                TopicArn=topic_arn, Subject=notice[0], Message=notice[1]
            )
        message_id = str(response["MessageId"])
    metrics = metric_data(tables, when)
    cloudwatch = aws.client("cloudwatch", endpoint_url)
    with _aws_errors("put CloudWatch metrics", endpoint_url):
        for start in range(0, len(metrics), 1000):  # the API's batch limit
            cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=metrics[start : start + 1000])
    return Published(tuple(objects), message_id, tuple(metrics))
