"""Publishing check results to S3, SNS and CloudWatch on the moto server (the library and
`etlq publish`), read back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from etlq import aws
from etlq.cli import main
from etlq.errors import EtlqError
from etlq.publish import publish_results

WHEN = dt.datetime(2024, 3, 1, 6, 30, 0, 123456, tzinfo=dt.UTC)
CHECK = {
    "id": "silver.orders::not_null[order_id]",
    "table": "silver.orders",
    "kind": "not_null",
    "column": "order_id",
    "severity": "error",
    "outcome": "passed",
    "failing": 0,
    "total": 100,
    "sample": [],
    "sql": "SELECT ...",
    "message": "",
}


def check(**changes: Any) -> dict[str, Any]:
    return {**CHECK, **changes}


REPORT: dict[str, Any] = {
    "checks": [
        check(),
        check(id="silver.orders::range[amount]", kind="range", column="amount", outcome="failed", failing=3),
        check(
            id="silver.orders::unique[order_id]", kind="unique", severity="warn", outcome="failed", failing=2
        ),
        check(id="gold.dim_fx::not_null[currency]", table="gold.dim_fx", column="currency", total=10),
    ],
    "summary": {"total": 4},
}


@pytest.fixture
def alerts(moto_endpoint: str) -> tuple[str, str]:
    """A topic with an SQS queue subscribed (raw delivery): (topic ARN, queue URL)."""
    sns, sqs = aws.client("sns", moto_endpoint), aws.client("sqs", moto_endpoint)
    topic_arn = sns.create_topic(Name="etlq-alerts-test")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"alerts-{id(sns)}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"}
    )
    return topic_arn, queue_url


def _metric_sum(endpoint: str, name: str, table: str) -> float:
    stats = aws.client("cloudwatch", endpoint).get_metric_statistics(
        Namespace="etlq",
        MetricName=name,
        Dimensions=[{"Name": "Table", "Value": table}],
        StartTime=WHEN - dt.timedelta(minutes=1),
        EndTime=WHEN + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )
    return sum(point["Sum"] for point in stats["Datapoints"])


def test_results_alert_and_metrics_are_published(
    moto_endpoint: str, raw_bucket: str, alerts: tuple[str, str]
) -> None:
    topic_arn, queue_url = alerts
    published = publish_results(
        REPORT, bucket=raw_bucket, topic_arn=topic_arn, endpoint_url=moto_endpoint, when=WHEN
    )

    s3 = aws.client("s3", moto_endpoint)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=raw_bucket)["Contents"])
    assert keys == [
        "quality/gold.dim_fx/20240301T063000.123456Z.json",
        "quality/silver.orders/20240301T063000.123456Z.json",
    ]
    assert published.objects == tuple(f"s3://{raw_bucket}/{key}" for key in keys)
    body = json.loads(s3.get_object(Bucket=raw_bucket, Key=keys[1])["Body"].read())
    assert body["summary"] == {"total": 3, "passed": 1, "failed": 2, "failing_rows": 5}
    assert [c["id"] for c in body["checks"]] == [c["id"] for c in REPORT["checks"][:3]]

    messages = aws.client("sqs", moto_endpoint).receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    assert len(messages["Messages"]) == 1
    envelope = json.loads(messages["Messages"][0]["Body"])
    assert envelope["MessageId"] == published.alert_message_id
    assert envelope["Subject"] == "etlq: 2 check(s) failed on silver.orders"
    alert = json.loads(envelope["Message"])
    assert alert["summary"] == {"total": 4, "passed": 2, "failed": 2, "failing_rows": 5}
    assert [(f["id"], f["severity"], f["failing"]) for f in alert["failed"]] == [
        ("silver.orders::range[amount]", "error", 3),
        ("silver.orders::unique[order_id]", "warn", 2),
    ]
    assert alert["results"] == list(published.objects)

    assert _metric_sum(moto_endpoint, "ChecksFailed", "silver.orders") == 2
    assert _metric_sum(moto_endpoint, "ChecksPassed", "silver.orders") == 1
    assert _metric_sum(moto_endpoint, "FailingRows", "silver.orders") == 5
    assert _metric_sum(moto_endpoint, "ChecksPassed", "gold.dim_fx") == 1
    assert _metric_sum(moto_endpoint, "ChecksFailed", "gold.dim_fx") == 0


def test_a_passing_run_sends_no_alert(moto_endpoint: str, raw_bucket: str, alerts: tuple[str, str]) -> None:
    topic_arn, queue_url = alerts
    published = publish_results(
        {"checks": [check()]}, bucket=raw_bucket, topic_arn=topic_arn, endpoint_url=moto_endpoint, when=WHEN
    )
    assert published.alert_message_id is None
    assert "Messages" not in aws.client("sqs", moto_endpoint).receive_message(QueueUrl=queue_url)
    assert [m["MetricName"] for m in published.metrics] == ["ChecksFailed", "ChecksPassed", "FailingRows"]


def test_malformed_results_are_a_user_error(moto_endpoint: str, raw_bucket: str) -> None:
    with pytest.raises(EtlqError, match=r"^check result #2 has no 'table' or 'outcome'"):
        publish_results({"checks": [check(), {"id": "x"}]}, bucket=raw_bucket, endpoint_url=moto_endpoint)
    assert aws.client("s3", moto_endpoint).list_objects_v2(Bucket=raw_bucket)["KeyCount"] == 0


def test_a_missing_bucket_is_a_connection_error(moto_endpoint: str) -> None:
    with pytest.raises(EtlqError, match=r"^cannot write s3://no-such-bucket/quality/silver.orders/"):
        publish_results({"checks": [check()]}, bucket="no-such-bucket", endpoint_url=moto_endpoint)


def test_publish_writes_per_table_results_and_alerts(
    tmp_path: Path,
    moto_endpoint: str,
    raw_bucket: str,
    alerts: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic_arn, queue_url = alerts
    report = tmp_path / "check.json"
    report.write_text(json.dumps(REPORT))

    code = main(
        [
            "publish",
            "--report",
            str(report),
            "--bucket",
            raw_bucket,
            "--topic-arn",
            topic_arn,
            "--aws-endpoint",
            moto_endpoint,
            "--format",
            "json",
        ]
    )

    assert code == 0
    out = json.loads(capsys.readouterr().out)
    s3 = aws.client("s3", moto_endpoint)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=raw_bucket)["Contents"])
    assert [k.split("/")[1] for k in keys] == ["gold.dim_fx", "silver.orders"]
    assert sorted(out["objects"]) == [f"s3://{raw_bucket}/{k}" for k in keys]
    messages = aws.client("sqs", moto_endpoint).receive_message(QueueUrl=queue_url)["Messages"]
    assert json.loads(messages[0]["Body"])["MessageId"] == out["alert_message_id"]
    assert out["metrics"] == 6  # 3 metrics x 2 tables


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such report"),
        ("{not json", "not a JSON check report"),
        ('{"checks": [{"id": "x"}]}', "check result #1 has no 'table' or 'outcome'"),
    ],
)
def test_a_bad_report_is_one_line_and_exit_2(
    tmp_path: Path,
    moto_endpoint: str,
    raw_bucket: str,
    content: str | None,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = tmp_path / "check.json"
    if content is not None:
        report.write_text(content)

    code = main(["publish", "--report", str(report), "--bucket", raw_bucket, "--aws-endpoint", moto_endpoint])

    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert aws.client("s3", moto_endpoint).list_objects_v2(Bucket=raw_bucket)["KeyCount"] == 0
