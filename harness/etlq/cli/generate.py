"""``etlq generate``: synthetic raw source files from the contracts, with planted defects listed
in ``<out>/manifest.json`` (see docs/testdata.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from etlq.errors import EtlqError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "generate", help="generate synthetic raw files (+ manifest of planted defects)", description=__doc__
    )
    parser.add_argument("--contracts", default="testdata/contracts", help="contract directory or file")
    parser.add_argument("--rows", type=int, required=True, help="rows of the largest source (orders events)")
    parser.add_argument("--seed", type=int, default=0, help="same seed and arguments -> byte-identical files")
    parser.add_argument("--out", required=True, help="a directory or s3://bucket/prefix")
    parser.add_argument(
        "--as",
        dest="fmt",
        choices=("csv", "jsonl", "parquet"),
        default="csv",
        help="file format (the ETL ingests csv)",
    )
    parser.add_argument("--run-date", type=_date, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--defects", type=float, default=0.0, help="fraction of rows with a planted defect (0-1)"
    )
    parser.add_argument("--tables", help="also generate contracts matching this glob, e.g. 'gold.*'")
    parser.add_argument(
        "--chunk-rows", type=int, default=262_144, help="rows per write (does not change the bytes)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="processes rendering blocks (does not change the bytes)"
    )
    parser.add_argument(
        "--aws-endpoint",
        help="S3 endpoint for s3:// output (default: ETLQ_AWS_ENDPOINT_URL, else `etlq env up`'s moto "
        "server, else AWS)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=run)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from etlq.contracts import load_contracts
    from etlq.datagen import GenerateOptions, generate
    from etlq.datagen.run import pipeline_options
    from etlq.pipeline import find_pipeline

    if args.rows < 1:
        raise EtlqError(f"--rows must be at least 1, got {args.rows}")
    endpoint = None
    if args.out.startswith("s3://"):  # the same endpoint `etlq etl run` reads the files from
        from etlq.env.state import resolve_aws_endpoint

        endpoint = resolve_aws_endpoint(args.aws_endpoint)
    options = GenerateOptions(
        out=args.out,
        rows=args.rows,
        seed=args.seed,
        fmt=args.fmt,
        run_date=args.run_date or dt.date.today(),
        defects=args.defects,
        tables=args.tables,
        chunk_rows=args.chunk_rows,
        workers=args.workers,
        progress=not args.quiet,
        aws_endpoint=endpoint,
        **pipeline_options(find_pipeline().pipeline),  # its landing layout and quarantine rules
    )
    result = generate(load_contracts(args.contracts), options)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return 0
    for t in result.tables:
        rate = t.rows / t.seconds if t.seconds else 0.0
        print(
            f"{t.source:<12} {t.rows:>12,} rows {t.bytes / 1e6:>10.1f} MB {t.seconds:>8.2f} s "
            f"{rate:>12,.0f} rows/s  {t.file}"
        )
    print(f"{result.defects} planted defects listed in {result.manifest}")
    return 0
