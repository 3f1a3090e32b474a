"""The local stand-in for a deployment: a PostgreSQL server and a moto server for this process,
and warehouses loaded through the pipeline under test (``etlq.pipeline``) from generated raw files.

Each xdist worker has its own servers, databases and buckets, so workers never share state.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine

from etlq import aws
from etlq.contracts import Contract
from etlq.env import postgres
from etlq.extras import require_extra
from etlq.pipeline import Found, Pipeline, require, run_pipeline
from etlq.warehouse import Warehouse, worker_id


@dataclass(frozen=True)
class LocalServices:
    pg: postgres.PostgresServer
    aws_endpoint: str

    def new_database(self, label: str) -> tuple[str, str]:
        """A new empty database of this worker: (name, URL)."""
        name = f"etlq_{label}_{worker_id()}_{uuid.uuid4().hex[:6]}"
        return name, self.pg.create_database(name)


@contextlib.contextmanager
def local_services() -> Iterator[LocalServices]:
    """A fresh PostgreSQL server and a moto server (server mode, in a thread) for this process.

    boto3 is pointed at moto through the environment while they run, as ``etlq env up`` does.
    """
    server_module = require_extra("moto.server", "local", "the local moto server")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    moto = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    server = postgres.start_server()
    try:
        pointed = {**aws.LOCAL_ENV, "AWS_ENDPOINT_URL": endpoint, "ETLQ_AWS_ENDPOINT_URL": endpoint}
        with aws.environment(pointed, unset=("AWS_PROFILE", "AWS_SESSION_TOKEN")):
            yield LocalServices(server, endpoint)
    finally:
        server.stop()
        postgres.remove_runtime_dir(server.data_dir.parent)
        moto.stop()


def generate_raw(
    pipeline: Pipeline,
    contracts: Sequence[Contract],
    bucket: str,
    run_date: dt.date,
    rows: int,
    seed: int,
    defects: float = 0.0,
) -> dict[str, Any]:
    """Generated raw files for every staging contract into ``s3://bucket/``, where ``pipeline``
    reads them and with its quarantine rules; returns the manifest."""
    from etlq.datagen.run import GenerateOptions, generate, pipeline_options

    options = GenerateOptions(
        out=f"s3://{bucket}",
        rows=rows,
        seed=seed,
        run_date=run_date,
        defects=defects,
        **pipeline_options(pipeline),
    )
    result = generate(contracts, options)
    key = result.manifest.removeprefix(f"s3://{bucket}/")
    body = aws.client("s3", os.environ.get("AWS_ENDPOINT_URL")).get_object(Bucket=bucket, Key=key)["Body"]
    return dict(json.loads(body.read()))


def run_etl(
    pipeline: Pipeline,
    url: str,
    bucket: str,
    run_date: dt.date,
    contracts: Sequence[Contract],
    gate: bool = True,
) -> list[dict[str, Any]]:
    """The pipeline under test; ``gate``: with the contracts' GX suites as its quality gate (else
    skipped). One summary per job; the pipeline's own errors raise ``PipelineFailed``."""
    suites = None
    if gate:
        from etlq.checks.gx import compile_suites  # GX is slow to import

        suites = compile_suites(contracts)
    return run_pipeline(pipeline, url, run_date, raw_bucket=bucket, expectations=suites)


@contextlib.contextmanager
def loaded_warehouse(
    services: LocalServices,
    contracts: Sequence[Contract],
    run_date: dt.date,
    found: Found,
    *,
    rows: int,
    seed: int,
    defects: float = 0.0,
    gate: bool = True,
    label: str = "suite",
) -> Iterator[Warehouse]:
    """A new database and bucket, generated data for ``run_date`` loaded by the pipeline under
    test (``found``; ``EtlqError`` when there is none); dropped after.

    ``gate=False`` skips the GX gate, which would stop data with planted defects before gold.
    """
    pipeline = require(found, "a local warehouse (generated data loaded through the ETL)")
    name, url = services.new_database(label)
    engine = create_engine(url)
    try:
        bucket = f"etlq-{label}-{worker_id()}-{uuid.uuid4().hex[:6]}".lower().replace("_", "-")
        aws.client("s3", services.aws_endpoint).create_bucket(Bucket=bucket)
        manifest = generate_raw(pipeline, contracts, bucket, run_date, rows, seed, defects)
        run_etl(pipeline, url, bucket, run_date, contracts, gate)
        yield Warehouse(url, engine, "local", run_date, bucket, services.aws_endpoint, manifest, found)
    finally:
        engine.dispose()
        services.pg.drop_database(name)
