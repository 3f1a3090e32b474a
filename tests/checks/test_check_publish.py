"""The README's alert line, run as written in a shell: a failed check is published and alerted."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from shop_world import Shop

from etlq import aws

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_alert_line() -> str:
    """The first-run section's `etlq check ... --publish` line."""
    lines = [line for line in README.read_text().splitlines() if re.match(r"etlq check .*--publish", line)]
    assert lines, "README has no `etlq check ... --publish` line"
    return lines[0]


def test_the_readme_alert_line_alerts_when_a_check_failed(
    shop: Shop, moto_endpoint: str, raw_bucket: str, tmp_path: Path
) -> None:
    sns, sqs = aws.client("sns", moto_endpoint), aws.client("sqs", moto_endpoint)
    topic = sns.create_topic(Name=f"alerts-{raw_bucket}")["TopicArn"]
    queue = sqs.create_queue(QueueName=f"q-{raw_bucket}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    # the line as a user runs it after `etlq env up` in a checkout: contracts in testdata/contracts
    shutil.copytree(next(iter(shop.bad)).path.parent, tmp_path / "testdata" / "contracts" / "bad")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "ETLQ_DATABASE_URL": shop.url,
        "ETLQ_QUALITY_BUCKET": raw_bucket,
        "ETLQ_ALERT_TOPIC_ARN": topic,
    }
    proc = subprocess.run(
        ["bash", "-c", readme_alert_line()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert proc.returncode == 1, proc.stderr  # a check failed: the job still fails
    report = json.loads((tmp_path / "reports" / "check.json").read_text())
    assert report["summary"]["failed"] == 18  # 16 + max_length[note] + reconcile changed (kinds added later)
    assert proc.stdout.splitlines()[-1].startswith("published 4 table result(s) to s3://")
    keys = [o["Key"] for o in aws.client("s3", moto_endpoint).list_objects_v2(Bucket=raw_bucket)["Contents"]]
    assert len(keys) == 4 and all(k.startswith("quality/bad.") for k in keys)
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"])["Subject"].startswith("etlq: ")
