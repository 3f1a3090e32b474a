"""``etlq publish``: send a saved check report to AWS — one JSON object per table to
``s3://<bucket>/quality/<table>/<timestamp>.json``, an SNS alert when a check failed or could
not run, and CloudWatch metrics (namespace ``etlq``: ChecksFailed, ChecksPassed, FailingRows
per table).

    etlq check --format json --out reports/check.json --publish     # the same, in one command
    etlq check --format json --out reports/check.json; etlq publish --report reports/check.json

(Not `etlq check ... && etlq publish ...`: check exits 1 when a check failed, so `&&` would skip
the publish exactly when there is something to alert about.)

Exit 0 when everything was published (whatever the checks' outcomes), 2 when the report is
unreadable or AWS refused.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from etlq.errors import EtlqError

if TYPE_CHECKING:
    from etlq.publish import Published


def add_publish_options(parser: argparse.ArgumentParser) -> None:
    """--bucket, --topic-arn, --aws-endpoint: shared by `etlq publish` and `etlq check --publish`."""
    parser.add_argument(
        "--bucket",
        help="bucket for the results (default: ETLQ_QUALITY_BUCKET, else the raw bucket: "
        "ETLQ_RAW_BUCKET or `etlq env up`'s)",
    )
    parser.add_argument(
        "--topic-arn",
        help="SNS topic for alerts (default: ETLQ_ALERT_TOPIC_ARN or `etlq env up`'s; none: no alert)",
    )
    parser.add_argument(
        "--aws-endpoint", help="AWS endpoint, e.g. the moto server (default: `etlq env up`'s)"
    )


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "publish",
        help="send a check report to S3, SNS and CloudWatch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--report", type=Path, required=True, help="JSON from `etlq check --format json`")
    add_publish_options(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def _read_report(path: Path) -> dict[str, object]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EtlqError(
            f"{path}: no such report", "write one with `etlq check --format json --out FILE`"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EtlqError(
            f"{path}: not a JSON check report ({exc})", "pass the output of `etlq check --format json`"
        ) from None
    if not isinstance(report, dict):
        raise EtlqError(f"{path}: not a JSON check report", "pass the output of `etlq check --format json`")
    return report


def publish(report: dict[str, object], args: argparse.Namespace) -> tuple[str, str | None, Published]:
    """Publish a check report with the options of ``add_publish_options``: (bucket, topic, what was sent)."""
    from etlq.env.provision import raw_bucket_name
    from etlq.env.state import provisioned_aws, resolve_aws_endpoint
    from etlq.publish import publish_results

    provisioned = provisioned_aws()
    bucket = (
        args.bucket
        or os.environ.get("ETLQ_QUALITY_BUCKET")
        or os.environ.get("ETLQ_RAW_BUCKET")
        or provisioned.get("raw_bucket")
        or raw_bucket_name()
    )
    topic = args.topic_arn or os.environ.get("ETLQ_ALERT_TOPIC_ARN") or provisioned.get("alerts_topic_arn")
    published = publish_results(
        report, bucket=bucket, topic_arn=topic, endpoint_url=resolve_aws_endpoint(args.aws_endpoint)
    )
    return bucket, topic, published


def summary_line(bucket: str, topic: str | None, published: Published) -> str:
    alert = (
        f"alert sent to {topic}"
        if published.alert_message_id
        else ("no alert: nothing failed" if topic else "no alert: no topic (--topic-arn)")
    )
    return (
        f"published {len(published.objects)} table result(s) to s3://{bucket}/quality/; "
        f"{len(published.metrics)} CloudWatch datapoints; {alert}"
    )


def run(args: argparse.Namespace) -> int:
    bucket, topic, published = publish(_read_report(args.report), args)
    if args.format == "json":
        document = {
            "objects": list(published.objects),
            "alert_message_id": published.alert_message_id,
            "metrics": len(published.metrics),
        }
        print(json.dumps(document, indent=2))
        return 0
    print(summary_line(bucket, topic, published))
    return 0
