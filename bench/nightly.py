"""Nightly scale: generated raw files through the pipeline under test (ingest -> silver -> gate
-> gold, as the nightly runs it) and then every check of every contract, with the seconds of
each step and the peak memory of this process after each.

The floor for the checks is one ``count(*)`` of every table they read: the least work that
touches each table once. Memory must stay bounded: generation writes in blocks, the pipeline
streams its files, and the check engine pulls counts and samples, never a table, so the peak
RSS should not grow with ``--rows``. The goal is a ceiling on it (``MAX_PEAK_RSS_MIB``).
Run it large with ``python -m bench --only nightly --rows 10000000``.
"""

from __future__ import annotations

import resource
import time

from bench.results import Run
from bench.timing import timed
from bench.workspace import CONTRACTS, RUN_DATE, land_raw, server_version, workspace
from etlq.checks import run_checks
from etlq.contracts import load_contracts
from etlq.local import LocalServices
from etlq.pipeline import find_pipeline, require

MAX_PEAK_RSS_MIB = 1024
DEFECTS = 0.01


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(services: LocalServices, rows: int, repeat: int) -> Run:
    """One pass (``repeat`` is ignored: at nightly scale one pass is the measurement)."""
    del repeat
    pipeline = require(find_pipeline(), "the nightly bench")
    contracts = load_contracts(CONTRACTS)
    steps: dict[str, float] = {}
    rss: dict[str, float] = {"start": _peak_rss_mib()}
    with workspace(services, "nightly") as space:
        steps["datagen"], _ = timed(lambda: land_raw(space, rows, DEFECTS))
        rss["datagen"] = _peak_rss_mib()
        pipeline.prepare(space.url)
        started = time.perf_counter()
        jobs = pipeline.run(space.url, RUN_DATE, raw_bucket=space.bucket)
        pipeline_s = time.perf_counter() - started
        for job in jobs:
            steps[job["job"]] = float(job["seconds"])
        rss["pipeline"] = _peak_rss_mib()
        steps["checks"], report = timed(lambda: run_checks(space.engine, contracts))
        rss["checks"] = _peak_rss_mib()
        tables = sorted({c.table for c in contracts})
        count_sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
        with space.engine.connect() as conn:
            count_star_s, counted = timed(lambda: conn.exec_driver_sql(count_sql).one())
        postgres = server_version(space)
    ingest = next(job for job in jobs if job["job"] == "ingest")
    outcomes: dict[str, int] = {}
    for result in report.results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    peak = max(rss.values())
    return Run(
        name="nightly",
        rows=int(ingest["rows_in"]),
        subject="generate -> pipeline (ingest, silver, gate, gold) -> every check of every contract",
        subject_s=(steps["datagen"] + pipeline_s + steps["checks"],),
        peers={"count_star_every_table_s": (count_star_s,)},
        ratios={"checks_over_count_star": steps["checks"] / count_star_s},
        goal=f"peak RSS of the Python process <= {MAX_PEAK_RSS_MIB} MiB",
        met=peak <= MAX_PEAK_RSS_MIB,
        agree=None,
        details={
            "seconds_by_step": {step: round(s, 3) for step, s in steps.items()},
            "peak_rss_mib_after": {step: round(mib, 1) for step, mib in rss.items()},
            "rows_by_table": dict(zip(tables, (int(n) for n in counted), strict=True)),
            "checks": len(report.results),
            "outcomes": outcomes,
            "pipeline": pipeline.name,
            "postgres": postgres,
        },
    )
