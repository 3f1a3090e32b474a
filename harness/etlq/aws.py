"""boto3 clients for the harness: real AWS by default, or a local endpoint (the moto server).

Endpoint resolution is the caller's (``etlq.env.state.resolve_aws_endpoint``); here only
``None`` = real AWS with boto3's own credential chain, a URL = that endpoint with fake
credentials unless real ones are set.

boto3 is the ``aws`` extra: it is imported when a client is made, so importing this module (and
everything that only may talk to AWS) works without it.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from etlq.extras import require_extra

DEFAULT_REGION = "us-east-1"
LOCAL_KEY = "testing"


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def boto3(what: str) -> Any:
    """The boto3 module, or ``MissingExtra`` naming the ``aws`` extra and ``what`` needed it."""
    return require_extra("boto3", "aws", what)


@functools.cache
def config() -> Any:
    """Every AWS call has a timeout and bounded retries with backoff and jitter (botocore's
    "standard" mode: throttling and 5xx retried, at most 4 attempts in all)."""
    botocore_config = require_extra("botocore.config", "aws", "AWS access")
    return botocore_config.Config(
        connect_timeout=5, read_timeout=30, retries={"mode": "standard", "total_max_attempts": 4}
    )


def errors() -> tuple[type[Exception], ...]:
    """botocore's (BotoCoreError, ClientError), for ``except aws.errors():`` around AWS calls;
    ``()`` without botocore, so the ``MissingExtra`` that ``client`` raised goes through."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ModuleNotFoundError:
        return ()
    return (BotoCoreError, ClientError)


def client_error() -> tuple[type[Exception], ...]:
    """botocore's ClientError (an AWS service said no) as ``errors()`` gives it."""
    return errors()[1:]


def error_code(exc: Exception) -> str | None:
    """The AWS error code of a ClientError (``BucketAlreadyOwnedByYou``), else None."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return None if code is None else str(code)


def client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` at ``endpoint_url`` (None: real AWS); ``MissingExtra``
    (the ``aws`` extra) without boto3."""
    sessions = boto3(f"the AWS {service} client").session
    if endpoint_url is None:
        return sessions.Session().client(service, region_name=region(), config=config())
    # A local endpoint accepts any key; real ones in the environment win so nothing is masked.
    key = None if os.environ.get("AWS_ACCESS_KEY_ID") else LOCAL_KEY
    return _local_client(service, endpoint_url, region(), key)


@functools.lru_cache(maxsize=64)
def _local_client(service: str, endpoint_url: str, region_name: str, key: str | None) -> Any:
    # Building a client costs ~0.2 s (service model loading); local endpoints are hit often in
    # tests, and clients are thread-safe, so one per (service, endpoint, region, key) is kept.
    sessions = boto3(f"the AWS {service} client").session
    session = sessions.Session(aws_access_key_id=key, aws_secret_access_key=key, region_name=region_name)
    return session.client(service, endpoint_url=endpoint_url, config=config())


# What boto3 needs to talk to a local endpoint (moto accepts any key), for code that builds its
# own clients from the environment (the ETL, Glue job scripts).
LOCAL_ENV = {
    "AWS_ACCESS_KEY_ID": LOCAL_KEY,
    "AWS_SECRET_ACCESS_KEY": LOCAL_KEY,
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
}


@contextlib.contextmanager
def environment(values: Mapping[str, str], unset: Iterable[str] = ()) -> Iterator[None]:
    """``os.environ`` with ``values`` set and the ``unset`` names removed; restored on exit."""
    saved = {key: os.environ.get(key) for key in (*values, *unset)}
    for key in unset:
        os.environ.pop(key, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
