"""The ETL's AWS calls: S3 raw listing and streaming, result upload, Secrets Manager.

Clients come from boto3's default chain, which honours ``AWS_ENDPOINT_URL`` (locally the
moto server) and the Glue job role in AWS. Errors a user can fix become ``EtlInputError``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from etl.errors import EtlInputError

DEFAULT_REGION = "us-east-1"
_CHUNK = 1 << 20


# Every AWS call has a timeout and bounded retries with backoff and jitter (botocore's
# "standard" mode: throttling and 5xx retried, at most 4 attempts in all).
CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "total_max_attempts": 4})


def client(service: str) -> Any:
    session = boto3.session.Session()
    return session.client(  # type: ignore[call-overload]
        service, region_name=session.region_name or DEFAULT_REGION, config=CONFIG
    )


def where() -> str:
    """Which AWS the clients talk to, for error messages."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    region = boto3.session.Session().region_name or DEFAULT_REGION
    return f"endpoint {endpoint}" if endpoint else f"AWS region {region}"


@contextmanager
def aws_errors(action: str, *fixes: str) -> Iterator[None]:
    """Turn unreachable endpoints and missing credentials into one-line input errors."""
    try:
        yield
    except NoCredentialsError:
        raise EtlInputError(
            f"cannot {action}: no AWS credentials ({where()})",
            "run inside a Glue job role, or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        ) from None
    except BotoCoreError as exc:
        raise EtlInputError(f"cannot {action}: {exc} ({where()})", *fixes, "check AWS_ENDPOINT_URL") from None


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- Secrets Manager --------------------------------------------------------------------


def database_url_from_secret(secret_id: str) -> str:
    """``postgresql://`` URL from an RDS secret (JSON: engine, host, port, username, password, dbname)."""
    with aws_errors(f"read secret {secret_id!r}"):
        try:
            response = client("secretsmanager").get_secret_value(SecretId=secret_id)
        except ClientError as exc:
            if _error_code(exc) == "ResourceNotFoundException":
                raise EtlInputError(
                    f"secret {secret_id!r} not found in Secrets Manager ({where()})",
                    "create it with the RDS credentials JSON",
                    "pass --db_secret_id with an existing secret id",
                ) from None
            raise EtlInputError(f"cannot read secret {secret_id!r}: {exc} ({where()})") from None
    try:
        secret = json.loads(response.get("SecretString") or "")
    except json.JSONDecodeError:
        secret = None
    if not isinstance(secret, dict):
        raise EtlInputError(f"secret {secret_id!r} is not a JSON object", "store the RDS secret JSON format")
    missing = [k for k in ("host", "username") if not secret.get(k)]
    if "password" not in secret:  # an empty or null password is allowed, a missing one is not
        missing.append("password")
    if missing:
        raise EtlInputError(
            f"secret {secret_id!r} lacks {', '.join(missing)}",
            "store engine, host, port, username, password, dbname",
        )
    engine = str(secret.get("engine", "postgres"))
    if not engine.startswith("postgres"):
        raise EtlInputError(f"secret {secret_id!r} is for engine {engine!r}, not postgres")
    user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"] or ""), safe="")
    dbname = quote(str(secret.get("dbname") or "postgres"), safe="")
    return f"postgresql://{user}:{password}@{secret['host']}:{int(secret.get('port') or 5432)}/{dbname}"


# --- S3 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawFile:
    bucket: str
    key: str
    size: int

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def raw_prefix(source: str, run_date: date) -> str:
    return f"raw/{source}/run_date={run_date.isoformat()}/"


def list_raw_files(s3: Any, bucket: str, source: str, run_date: date) -> list[RawFile]:
    """The ``*.csv`` files of one source and run date, in key order; at least one."""
    prefix = raw_prefix(source, run_date)
    files: list[RawFile] = []
    with aws_errors(f"list s3://{bucket}/{prefix}"):
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    # Only direct children: run_date=D/sub/x.csv is not part of this partition.
                    name = obj["Key"][len(prefix) :]
                    if name.lower().endswith(".csv") and "/" not in name:
                        files.append(RawFile(bucket, obj["Key"], int(obj["Size"])))
        except ClientError as exc:
            if _error_code(exc) == "NoSuchBucket":
                raise EtlInputError(
                    f"bucket s3://{bucket} does not exist ({where()})",
                    "create the bucket and land the raw files",
                    "pass --raw_bucket with the landing bucket",
                ) from None
            raise EtlInputError(f"cannot list s3://{bucket}/{prefix}: {exc} ({where()})") from None
    if not files:
        raise EtlInputError(
            f"no raw files for source {source!r} and run date {run_date}: no s3://{bucket}/{prefix}*.csv",
            f"land the {source} files under s3://{bucket}/{prefix}",
            "pass the --run_date the files were landed for",
        )
    return sorted(files, key=lambda f: f.key)


def iter_chunks(s3: Any, file: RawFile) -> Iterator[bytes]:
    """The object's bytes in blocks that each end after a ``\\n`` (but the last): never half a line,
    so a ``\\r`` inside a quoted field stays put and a UTF-8 character is never cut."""
    with aws_errors(f"read {file.uri}", "rerun the job once S3 answers"):
        try:
            body = s3.get_object(Bucket=file.bucket, Key=file.key)["Body"]
        except ClientError as exc:  # throttling and 5xx only after botocore's retries (CONFIG)
            if _error_code(exc) in ("NoSuchKey", "404"):
                raise EtlInputError(
                    f"{file.uri} disappeared after it was listed ({where()})",
                    "land every raw file before the run starts and leave them until it ends",
                ) from None
            raise EtlInputError(f"cannot read {file.uri}: {exc} ({where()})", "rerun the job") from None
        pending = b""
        for chunk in body.iter_chunks(_CHUNK):
            pending += chunk
            cut = pending.rfind(b"\n") + 1
            if cut:
                yield pending[:cut]
                pending = pending[cut:]
        if pending:
            yield pending


def put_json(s3: Any, bucket: str, key: str, document: Any) -> str:
    """Upload a JSON document; returns its ``s3://`` URI."""
    body = json.dumps(document, indent=1, sort_keys=True, default=str).encode("utf-8")
    with aws_errors(f"write s3://{bucket}/{key}"):
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
        except ClientError as exc:
            raise EtlInputError(f"cannot write s3://{bucket}/{key}: {exc} ({where()})") from None
    return f"s3://{bucket}/{key}"


def read_json_objects(s3: Any, uri: str) -> list[Any]:
    """Every ``*.json`` object under an ``s3://bucket/prefix``, in key order."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    documents: list[Any] = []
    with aws_errors(f"read {uri}"):
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                for obj in sorted(page.get("Contents", []), key=lambda o: o["Key"]):
                    if obj["Key"].endswith(".json"):
                        body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                        documents.append(json.loads(body))
        except ClientError as exc:
            raise EtlInputError(f"cannot read expectation suites at {uri}: {exc} ({where()})") from None
        except json.JSONDecodeError as exc:
            raise EtlInputError(f"expectation suite under {uri} is not JSON: {exc}") from None
    return documents
