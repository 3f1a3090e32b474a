"""S3 faults during ingest, injected into the real client talking to the moto server: throttling
and 5xx answers are retried a bounded number of times, then the run fails in one line with
nothing staged and the failure recorded; an object gone between listing and reading, and a
stream cut while reading, fail the same way (issue 11, part 5)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ResponseStreamingError
from etl_support import D1, query

from etl import aws, pipeline
from etl.errors import EtlInputError

SOURCES = ("orders", "customers", "fx_rates")
SLOW_DOWN = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
INTERNAL = b"<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


def failing_get_object(s3: Any, status: int, body: bytes, times: int) -> list[int]:
    """Make the first ``times`` GetObject attempts (retries included) answer ``status``; returns the
    list the attempts are counted in (one entry per attempt, the status it got or 200)."""
    attempts: list[int] = []

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        if len(attempts) < times:
            attempts.append(status)
            return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, _Raw(body))
        attempts.append(200)
        return None

    s3.meta.events.register("before-send.s3.GetObject", before_send)
    return attempts


def nothing_staged(db: str) -> bool:
    return [query(db, f"SELECT count(*) FROM staging.{s}")[0][0] for s in SOURCES] == [0, 0, 0]


def last_ingest(db: str) -> tuple[str, str]:
    [(status, error)] = query(
        db, "SELECT status, error FROM audit.job_runs WHERE job = 'ingest' ORDER BY run_id DESC LIMIT 1"
    )
    return status, error


@pytest.fixture
def day(land_day: Any) -> None:
    land_day(D1)


@pytest.mark.parametrize(("status", "body"), [(503, SLOW_DOWN), (500, INTERNAL)], ids=["throttled", "500"])
def test_transient_s3_errors_are_retried_then_the_run_succeeds(
    status: int, body: bytes, db: str, raw_bucket: str, day: None
) -> None:
    s3 = aws.client("s3")
    attempts = failing_get_object(s3, status, body, times=2)
    result = pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket, s3=s3)
    assert result.status == "succeeded"
    assert attempts[:3] == [status, status, 200]  # the first file took three attempts
    assert query(db, "SELECT count(*) FROM staging.orders") == [(4,)]


@pytest.mark.parametrize(
    ("status", "body", "code"), [(503, SLOW_DOWN, "SlowDown"), (500, INTERNAL, "InternalError")]
)
def test_persistent_s3_errors_stop_after_bounded_retries_with_nothing_staged(
    status: int, body: bytes, code: str, db: str, raw_bucket: str, day: None
) -> None:
    s3 = aws.client("s3")
    attempts = failing_get_object(s3, status, body, times=1000)
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket, s3=s3)
    message = str(caught.value)
    assert len(attempts) == 4  # botocore's standard mode: 4 attempts in all, then it gives up
    assert message.startswith(f"cannot read s3://{raw_bucket}/raw/orders/run_date={D1}/part-0.csv: ")
    assert code in message and "\n" not in message
    assert nothing_staged(db)
    status_recorded, error = last_ingest(db)
    assert status_recorded == "failed" and code in error


def test_an_object_gone_between_listing_and_reading_fails_in_one_line(
    db: str, raw_bucket: str, day: None, s3: Any, monkeypatch: Any
) -> None:
    real = aws.list_raw_files

    def list_then_delete(client: Any, bucket: str, source: str, run_date: Any) -> Any:
        files = real(client, bucket, source, run_date)
        if source == "fx_rates":  # the last source: orders and customers were already read
            s3.delete_object(Bucket=bucket, Key=files[0].key)
        return files

    monkeypatch.setattr(aws, "list_raw_files", list_then_delete)
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket)
    uri = f"s3://{raw_bucket}/raw/fx_rates/run_date={D1}/part-0.csv"
    assert str(caught.value).startswith(f"{uri} disappeared after it was listed (endpoint http://")
    assert nothing_staged(db)
    assert last_ingest(db)[0] == "failed"


def test_a_stream_cut_while_reading_fails_in_one_line(
    db: str, raw_bucket: str, day: None, monkeypatch: Any
) -> None:
    s3 = aws.client("s3")

    def cut(**kwargs: Any) -> None:
        stream = kwargs["parsed"]["Body"]

        def chunks(_size: int) -> Any:
            raise ResponseStreamingError(error="Connection broken: IncompleteRead(10 bytes read)")
            yield b""  # a generator, like botocore's

        stream.iter_chunks = chunks

    s3.meta.events.register("after-call.s3.GetObject", cut)
    with pytest.raises(EtlInputError) as caught:
        pipeline.run_ingest(db, pipeline.as_run_date(D1), bucket=raw_bucket, s3=s3)
    message = str(caught.value)
    assert message.startswith(f"cannot read s3://{raw_bucket}/raw/orders/run_date={D1}/part-0.csv: ")
    assert "IncompleteRead" in message and "\n" not in message
    assert nothing_staged(db)
    assert last_ingest(db)[0] == "failed"
