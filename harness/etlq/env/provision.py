"""The AWS side `etlq env up` provisions on the endpoint: raw bucket, DB secret, alert topic.

Every step is idempotent, so a second `up` (or one after a moto restart) is safe.
"""

from __future__ import annotations

import json
import os
from typing import Any

from sqlalchemy.engine import make_url

from etlq import aws
from etlq.errors import ConnectionFailed

DEFAULT_RAW_BUCKET = "etlq-raw"
DB_SECRET_ID = "etlq/db"
ALERTS_TOPIC = "etlq-alerts"
# The local server trusts loopback connections; the ETL's secret reader wants a password anyway.
LOCAL_PASSWORD = "postgres"


def raw_bucket_name() -> str:
    return os.environ.get("ETLQ_RAW_BUCKET") or DEFAULT_RAW_BUCKET


def rds_secret(database_url: str) -> dict[str, Any]:
    """The RDS-style secret JSON for ``database_url``."""
    url = make_url(database_url)
    return {
        "engine": "postgres",
        "host": url.host,
        "port": url.port or 5432,
        "username": url.username,
        "password": url.password or LOCAL_PASSWORD,
        "dbname": url.database,
    }


def provision(endpoint: str | None, database_url: str) -> dict[str, str]:
    """Create the raw bucket, the ``etlq/db`` secret and the ``etlq-alerts`` topic (if absent)."""
    try:
        return _provision(endpoint, database_url)
    except aws.errors() as exc:
        raise ConnectionFailed(
            f"cannot provision AWS resources at {endpoint or 'AWS'}: {exc}",
            "check the moto server log in .etlq/moto.log",
            "run `etlq env down` then `etlq env up`",
        ) from None


def _provision(endpoint: str | None, database_url: str) -> dict[str, str]:
    bucket = raw_bucket_name()
    s3 = aws.client("s3", endpoint)
    try:
        s3.create_bucket(Bucket=bucket)
    except aws.client_error() as exc:
        if aws.error_code(exc) != "BucketAlreadyOwnedByYou":
            raise
    secrets = aws.client("secretsmanager", endpoint)
    secret = json.dumps(rds_secret(database_url))
    try:
        secrets.create_secret(Name=DB_SECRET_ID, SecretString=secret)
    except aws.client_error() as exc:
        if aws.error_code(exc) != "ResourceExistsException":
            raise
        secrets.put_secret_value(SecretId=DB_SECRET_ID, SecretString=secret)
    topic_arn = aws.client("sns", endpoint).create_topic(Name=ALERTS_TOPIC)["TopicArn"]
    return {"raw_bucket": bucket, "db_secret_id": DB_SECRET_ID, "alerts_topic_arn": topic_arn}
