"""Where generated files go: a local directory or ``s3://bucket/prefix``.

Nothing is visible half-written: local files are written as ``*.partial`` and renamed when
the whole run succeeded; S3 objects are multipart uploads completed only then (an
incomplete multipart upload is no object) and aborted on failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from harness.errors import ConnectionFailed, EtlqError

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

    def write(self, data: pa.Buffer | bytes) -> None:
        self.handle.write(memoryview(data))

    def commit(self) -> None:
        self.handle.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.partial.unlink(missing_ok=True)


class S3Writer:
    """Multipart upload in parts of ``S3_PART_BYTES``; a small file becomes one PUT at commit."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        self.client, self.bucket, self.key = client, bucket, key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def write(self, data: pa.Buffer | bytes) -> None:
        self.buffer += memoryview(data)
        while len(self.buffer) >= S3_PART_BYTES:
            self._part(bytes(self.buffer[:S3_PART_BYTES]))
            del self.buffer[:S3_PART_BYTES]

    def _part(self, body: bytes) -> None:
        if self.upload_id is None:
            self.upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)["UploadId"]
        number = len(self.parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=body
        )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def commit(self) -> None:
        if self.upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer))
            return
        if self.buffer:
            self._part(bytes(self.buffer))
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, MultipartUpload={"Parts": self.parts}
        )

    def abort(self) -> None:
        if self.upload_id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


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

    def __init__(self, out: str) -> None:
        self.out = out
        self.client: Any = None
        if out.startswith("s3://"):
            bucket, _, prefix = out[5:].partition("/")
            if not bucket:
                raise EtlqError(f"--out {out!r} names no bucket", "use s3://bucket/prefix")
            self.bucket, self.prefix = bucket, prefix.strip("/")
            self.client = _s3_client()

    def open(self, relative: str) -> Writer:
        if self.client is None:
            return LocalWriter(Path(self.out) / relative)
        key = f"{self.prefix}/{relative}" if self.prefix else relative
        return S3Writer(self.client, self.bucket, key)

    def put(self, relative: str, data: bytes) -> None:
        writer = self.open(relative)
        writer.write(data)
        writer.commit()

    def where(self, relative: str) -> str:
        return f"{self.out.rstrip('/')}/{relative}"


def _s3_client() -> Any:
    import boto3  # only S3 output needs it
    from botocore.exceptions import BotoCoreError

    try:
        # boto3 reads AWS_ENDPOINT_URL (moto locally) and the resolved endpoint itself
        return boto3.client("s3")
    except BotoCoreError as exc:
        raise ConnectionFailed(
            f"cannot create an S3 client: {exc}", "set AWS_REGION and credentials"
        ) from None
