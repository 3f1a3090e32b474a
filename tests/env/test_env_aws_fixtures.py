"""The moto server fixtures: server mode over HTTP, environment set for the session."""

from __future__ import annotations

import os
import urllib.request

from etlq import aws


def test_moto_endpoint_sets_the_session_environment(moto_endpoint: str) -> None:
    assert moto_endpoint.startswith("http://127.0.0.1:")
    assert os.environ["AWS_ENDPOINT_URL"] == moto_endpoint
    assert os.environ["ETLQ_AWS_ENDPOINT_URL"] == moto_endpoint
    assert (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_DEFAULT_REGION"]) == ("testing", "us-east-1")
    # Server mode: a plain HTTP request reaches moto's dashboard API.
    with urllib.request.urlopen(f"{moto_endpoint}/moto-api/data.json", timeout=5) as response:
        assert response.status == 200


def test_raw_bucket_is_new_and_exported(raw_bucket: str, moto_endpoint: str) -> None:
    s3 = aws.client("s3", moto_endpoint)
    assert os.environ["ETLQ_RAW_BUCKET"] == raw_bucket
    assert s3.list_objects_v2(Bucket=raw_bucket)["KeyCount"] == 0
    s3.put_object(Bucket=raw_bucket, Key="raw/orders/run_date=2024-01-01/a.csv", Body=b"order_id\n1\n")
    body = s3.get_object(Bucket=raw_bucket, Key="raw/orders/run_date=2024-01-01/a.csv")["Body"].read()
    assert body == b"order_id\n1\n"


def test_each_test_gets_its_own_bucket(raw_bucket: str, moto_endpoint: str) -> None:
    # The object written by the previous test is not in this test's bucket.
    assert aws.client("s3", moto_endpoint).list_objects_v2(Bucket=raw_bucket)["KeyCount"] == 0
