"""Where generated files go: a local directory or ``s3://bucket/prefix``.

Nothing is visible half-written: local files are written as ``*.partial`` and renamed when
the whole run succeeded; S3 objects are multipart uploads completed only then (an
incomplete multipart upload is no object) and aborted on failure.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from etlq.errors import ConnectionFailed, EtlqError

S3_PART_BYTES = 16 * 1024 * 1024  # above S3's 5 MiB minimum part size


class Writer(Protocol):
    def write(self, data: pa.Buffer | bytes) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class LocalWriter:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.handle = open(self.partial, "wb")  # noqa: SIM115 - closed in commit/abort
        self.committed = False

    def write(self, data: pa.Buffer | bytes) -> None:
        self.handle.write(memoryview(data))

    def commit(self) -> None:
        self.handle.close()
        os.replace(self.partial, self.path)
        self.committed = True

    def abort(self) -> None:
        """Remove the file, also after ``commit``: a run that failed later leaves nothing."""
        self.handle.close()
        self.partial.unlink(missing_ok=True)
        if self.committed:
            self.path.unlink(missing_ok=True)


class S3Writer:
    """Multipart upload in parts of ``S3_PART_BYTES``; a small file becomes one PUT at commit."""

    def __init__(self, client: Any, bucket: str, key: str, endpoint: str | None = None) -> None:
        self.client, self.bucket, self.key, self.endpoint = client, bucket, key, endpoint
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.committed = False

    def write(self, data: pa.Buffer | bytes) -> None:
        self.buffer += memoryview(data)
        while len(self.buffer) >= S3_PART_BYTES:
            self._part(bytes(self.buffer[:S3_PART_BYTES]))
            del self.buffer[:S3_PART_BYTES]

    def _part(self, body: bytes) -> None:
        with s3_errors(self.bucket, self.key, self.endpoint):
            if self.upload_id is None:
                answer = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)
                self.upload_id = answer["UploadId"]
            number = len(self.parts) + 1
            answer = self.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
            )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def commit(self) -> None:
        if self.upload_id is None:
            with s3_errors(self.bucket, self.key, self.endpoint):
                self.client.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer))
            self.committed = True
            return
        if self.buffer:
            self._part(bytes(self.buffer))
        with s3_errors(self.bucket, self.key, self.endpoint):
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        self.committed = True

    def abort(self) -> None:
        """Best effort, on the way out of another error: never raise over it."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self.committed:  # a later file failed: take this one back too
                self.client.delete_object(Bucket=self.bucket, Key=self.key)
            elif self.upload_id is not None:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)
        except (BotoCoreError, ClientError):
            pass


class _Forward(io.RawIOBase):
    """A write-only file that hands every write to a ``Writer`` (Parquet needs a file object)."""

    def __init__(self, target: Writer) -> None:
        self.target, self.position = target, 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.target.write(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position


class ParquetWriter:
    """Row groups are blocks, whatever the write chunk size, so the bytes do not depend on it."""

    def __init__(self, target: Writer, schema: pa.Schema) -> None:
        self.target = target
        self.writer = pq.ParquetWriter(_Forward(target), schema, compression="zstd")

    def write_table(self, table: pa.Table) -> None:
        self.writer.write_table(table, row_group_size=max(1, len(table)))

    def commit(self) -> None:
        self.writer.close()
        self.target.commit()

    def abort(self) -> None:
        self.target.abort()


class Output:
    """Opens writers under a local directory or an S3 prefix."""

    def __init__(self, out: str, endpoint: str | None = None) -> None:
        self.out = out
        self.endpoint = endpoint
        self.client: Any = None
        if out.startswith("s3://"):
            bucket, _, prefix = out[5:].partition("/")
            if not bucket:
                raise EtlqError(f"--out {out!r} names no bucket", "use s3://bucket/prefix")
            self.bucket, self.prefix = bucket, prefix.strip("/")
            self.client = _s3_client(endpoint)
            _check_bucket(self.client, bucket, endpoint)  # fail before anything is rendered

    def open(self, relative: str) -> Writer:
        if self.client is None:
            return LocalWriter(Path(self.out) / relative)
        key = f"{self.prefix}/{relative}" if self.prefix else relative
        return S3Writer(self.client, self.bucket, key, self.endpoint)

    def put(self, relative: str, data: bytes) -> None:
        writer = self.open(relative)
        writer.write(data)
        writer.commit()

    def where(self, relative: str) -> str:
        return f"{self.out.rstrip('/')}/{relative}"


def _where(endpoint: str | None) -> str:
    from etlq.aws import region  # boto3 is imported only for S3 output

    endpoint = endpoint or os.environ.get("AWS_ENDPOINT_URL")  # boto3 reads it itself
    return f"endpoint {endpoint}" if endpoint else f"AWS region {region()}"


_ENDPOINT_FIXES = (
    "run `etlq env up` (generate then writes to its moto server)",
    "pass --aws-endpoint URL",
    "set ETLQ_AWS_ENDPOINT_URL",
)


@contextmanager
def s3_errors(bucket: str, key: str, endpoint: str | None) -> Iterator[None]:
    """S3 errors a user can fix as one line naming the object and the endpoint."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

    where = _where(endpoint)
    action = f"write s3://{bucket}/{key}" if key else f"reach bucket s3://{bucket}"
    try:
        yield
    except NoCredentialsError:
        raise ConnectionFailed(
            f"cannot {action}: no AWS credentials ({where})",
            *_ENDPOINT_FIXES,
            "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for real S3",
        ) from None
    except EndpointConnectionError:
        raise ConnectionFailed(
            f"cannot {action}: nothing answers at {where}",
            "run `etlq env status` and `etlq env up`",
            "pass --aws-endpoint with a running endpoint",
        ) from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") in ("NoSuchBucket", "404"):
            raise ConnectionFailed(
                f"bucket s3://{bucket} does not exist ({where})",
                "create it",
                "run `etlq env up`, which creates s3://etlq-raw",
                "pass --out with an existing bucket",
            ) from None
        raise ConnectionFailed(
            f"cannot {action}: {error.get('Code')}: {error.get('Message') or exc} ({where})"
        ) from None
    except BotoCoreError as exc:
        raise ConnectionFailed(f"cannot {action}: {exc} ({where})", *_ENDPOINT_FIXES) from None


def _check_bucket(client: Any, bucket: str, endpoint: str | None) -> None:
    """Missing bucket, credentials or endpoint fail here, before any row is rendered. Another
    refusal (a 403 without s3:ListBucket) is left for the upload itself to report."""
    from botocore.exceptions import ClientError

    with s3_errors(bucket, "", endpoint):
        try:
            client.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchBucket", "404"):
                raise


def _s3_client(endpoint: str | None) -> Any:
    from etlq import aws

    try:  # without boto3: MissingExtra, the 'aws' extra (aws.errors() is then empty)
        # endpoint None: boto3's own chain (AWS_ENDPOINT_URL, region, credentials)
        return aws.client("s3", endpoint)
    except aws.errors()[:1] as exc:  # BotoCoreError
        raise ConnectionFailed(
            f"cannot create an S3 client: {exc}", "set AWS_REGION and credentials"
        ) from None
