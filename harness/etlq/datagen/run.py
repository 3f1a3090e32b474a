"""Generate every source's file, block by block, and the manifest of planted defects.

Memory stays bounded by a few blocks whatever ``rows`` is: blocks are rendered (in worker
processes with ``workers > 1``, a bounded window ahead of the writer) and written in order.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from etlq.contracts.model import Contract
from etlq.datagen.blocks import Context
from etlq.datagen.defects import Planted
from etlq.datagen.expect import QUARANTINE, RULE_OF_KIND
from etlq.datagen.plan import SourcePlan, build_plans
from etlq.datagen.render import Format, Rendered, applicable, header, render_block
from etlq.datagen.sinks import Output, ParquetWriter, Writer
from etlq.datagen.values import Calendar
from etlq.errors import EtlqError
from etlq.pipeline import QUARANTINE_RULES, Pipeline, default_raw_prefix
from etlq.progress import Progress

MANIFEST = "manifest.json"
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "parquet": "parquet"}


@dataclass(frozen=True)
class GenerateOptions:
    out: str
    rows: int
    seed: int = 0
    fmt: Format = "csv"
    run_date: dt.date = field(default_factory=dt.date.today)
    defects: float = 0.0
    tables: str | None = None
    chunk_rows: int = 262_144
    workers: int = 1
    progress: bool = False
    aws_endpoint: str | None = None  # for s3:// output; None: boto3's chain (AWS_ENDPOINT_URL)
    # The pipeline the files are for (etlq.pipeline): where its raw files land, and which planted
    # defects its ingest quarantines (rule names of Pipeline.quarantine_rules).
    raw_prefix: Callable[[str, dt.date], str] | None = None
    quarantines: frozenset[str] = frozenset(QUARANTINE_RULES)


@dataclass(frozen=True)
class TableStats:
    source: str
    file: str
    rows: int  # physical rows written, defect rows included
    defect_rows: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class GenerateResult:
    tables: tuple[TableStats, ...]
    manifest: str
    defects: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "tables": [asdict(t) for t in self.tables],
            "manifest": self.manifest,
            "defects": self.defects,
        }


def pipeline_options(pipeline: Pipeline | None) -> dict[str, Any]:
    """``GenerateOptions`` fields for the files of ``pipeline``: its landing layout and its
    quarantine rules (None: the layout and the ingest etlq assumes, see etlq.pipeline)."""
    if pipeline is None:
        return {}
    return {"raw_prefix": pipeline.raw_prefix, "quarantines": frozenset(pipeline.quarantine_rules())}


def generate(contracts: Sequence[Contract], options: GenerateOptions) -> GenerateResult:
    if not 0 <= options.defects <= 1:
        raise EtlqError(f"--defects is a fraction of rows between 0 and 1, got {options.defects}")
    if options.chunk_rows < 1 or options.workers < 1:
        raise EtlqError("--chunk-rows and --workers must be at least 1")
    cal = Calendar(options.run_date)
    layout = options.raw_prefix or default_raw_prefix
    plans = build_plans(contracts, options.rows, cal, options.tables, layout)
    ctx = Context(options.seed, cal, {p.name: p for p in plans}, options.quarantines)
    output = Output(options.out, options.aws_endpoint)
    ext = EXTENSIONS[options.fmt]
    writers: list[Writer | ParquetWriter] = []
    stats: list[TableStats] = []
    entries: list[dict[str, Any]] = []
    bar = Progress("generate", sum(p.rows for p in plans), enabled=options.progress)
    pool = None
    if options.workers > 1:
        pool = ProcessPoolExecutor(
            options.workers, initializer=_init_worker, initargs=(ctx, tuple(contracts))
        )
    try:
        _init_worker(ctx, tuple(contracts))
        for plan in plans:
            started = time.perf_counter()
            relative = f"{plan.path}.{ext}"
            target = output.open(relative)
            writer: Writer | ParquetWriter = target
            writers.append(target)
            data_rows = written = defect_rows = 0
            first_line = {"csv": 2, "jsonl": 1, "parquet": 1}[options.fmt]
            head = header(plan, options.fmt)
            target.write(head)
            written += len(head)
            pending: list[Rendered] = []
            for rendered in _blocks(pool, plan, options):
                if rendered.table is not None:
                    if not isinstance(writer, ParquetWriter):
                        writer = ParquetWriter(target, rendered.table.schema)
                        writers[-1] = writer
                    writer.write_table(rendered.table)
                for position, planted in rendered.planted:
                    entries.append(_entry(plan, relative, first_line + data_rows + position, planted))
                data_rows += rendered.rows
                defect_rows += len(rendered.planted)
                bar.update(rendered.rows - len(rendered.planted))
                if rendered.data is not None:
                    pending.append(rendered)
                    if sum(r.rows for r in pending) >= options.chunk_rows:
                        written += _flush(target, pending)
            written += _flush(target, pending)
            stats.append(
                TableStats(
                    plan.name,
                    output.where(relative),
                    data_rows,
                    defect_rows,
                    written,
                    round(time.perf_counter() - started, 3),
                )
            )
        for w in writers:
            w.commit()
    except BaseException:
        for w in writers:
            w.abort()
        raise
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    manifest = {
        "seed": options.seed,
        "rows": options.rows,
        "run_date": options.run_date.isoformat(),
        "defect_rate": options.defects,
        "format": options.fmt,
        # paths relative to the output root, so the manifest does not depend on where it was written
        "tables": {
            s.source: {
                "file": s.file.removeprefix(output.where("")),
                "rows": s.rows,
                "defect_rows": s.defect_rows,
            }
            for s in stats
        },
        "defects": entries,
    }
    try:
        output.put(MANIFEST, _manifest_bytes(manifest))
    except BaseException:  # no data files without their manifest
        for w in writers:
            w.abort()
        raise
    return GenerateResult(tuple(stats), output.where(MANIFEST), len(entries))


def _manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """One defect per line: diffable, greppable, and fast to write for 10^5 entries."""
    head = json.dumps({k: v for k, v in manifest.items() if k != "defects"}, ensure_ascii=False)[:-1]
    lines = ",\n".join(json.dumps(d, ensure_ascii=False) for d in manifest["defects"])
    return f'{head}, "defects": [\n{lines}\n]}}\n'.encode()


def _flush(target: Writer, pending: list[Rendered]) -> int:
    size = 0
    for rendered in pending:
        if rendered.data is not None:
            target.write(rendered.data)
            size += rendered.data.size
    pending.clear()
    return size


def _entry(plan: SourcePlan, relative: str, line: int, planted: Planted) -> dict[str, Any]:
    key_parts = [planted.row.get(k) for k in plan.key]
    key = None if any(k is None for k in key_parts) or not key_parts else "|".join(str(k) for k in key_parts)
    return {
        "file": relative,
        "line": line,
        "source": plan.name,
        "key": key,
        "kind": planted.kind,
        "column": planted.column,
        "expect": planted.expect,
        **({"rule": RULE_OF_KIND[planted.kind]} if planted.expect == QUARANTINE else {}),
    }


# --- block rendering, in this process or in workers -------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(ctx: Context, contracts: tuple[Contract, ...]) -> None:
    _WORKER.clear()
    _WORKER.update(ctx=ctx, contracts=contracts, kinds={})


def _render(name: str, block: int, rate: float, fmt: Format) -> Rendered:
    ctx: Context = _WORKER["ctx"]
    plan = ctx.plans[name]
    kinds = _WORKER["kinds"]
    if (name, fmt) not in kinds:
        kinds[(name, fmt)] = applicable(plan, _WORKER["contracts"], fmt)
    return render_block(plan, ctx, _WORKER["contracts"], block, rate, fmt, kinds[(name, fmt)])


def _blocks(
    pool: ProcessPoolExecutor | None, plan: SourcePlan, options: GenerateOptions
) -> Iterator[Rendered]:
    args = (options.defects, options.fmt)
    if pool is None:
        for block in range(plan.blocks):
            yield _render(plan.name, block, *args)
        return
    window: deque[Future[Rendered]] = deque()
    for block in range(plan.blocks):
        window.append(pool.submit(_render, plan.name, block, *args))
        if len(window) >= 2 * options.workers:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()
