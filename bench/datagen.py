"""Data generation: ``etlq.datagen`` writing the orders CSV vs Faker called per row.

The subject is generate() over all the contracts, as ``etlq generate`` runs it (orders
reference generated customers); its time is its own clock for the orders file, rendering and
writing included. The peer is the usual hand-rolled generator: a loop calling Faker for each
value of each row, written with ``csv.writer``, same columns as the orders file. Faker is far
slower, so it runs on fewer rows and is compared per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

from faker import Faker

from bench.results import Run
from bench.timing import median, timed
from bench.workspace import RUN_DATE, SEED, contracts
from etl.sources import ORDER_STATUSES, ORDERS
from etlq.datagen.pools import pool
from etlq.datagen.run import GenerateOptions, generate

GOAL_ROWS_PER_S = 500_000
# A file this small measures fixed costs (fx_rates: a few hundred rows), not throughput.
GOAL_MIN_ROWS = 100_000
WARM_UP_ROWS = 1_000
FAKER_ROWS = 20_000  # enough for a steady per-row rate; 2M rows would take minutes
WINDOW = dt.timedelta(days=30)  # orders dated within this window before the run date


def faker_orders(path: Path, rows: int, fake: Faker) -> None:
    """``rows`` orders-like rows, one Faker call per value, as CSV with the orders header."""
    first_day = RUN_DATE - WINDOW
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ORDERS.columns)
        for order_id in range(1, rows + 1):
            order_date = fake.date_between(start_date=first_day, end_date=RUN_DATE)
            start = dt.datetime.combine(order_date, dt.time(), dt.UTC)
            writer.writerow(
                (
                    order_id,
                    fake.random_int(1, 100_000),
                    fake.random_element(ORDER_STATUSES),
                    fake.pydecimal(left_digits=4, right_digits=2, positive=True),
                    fake.currency_code(),
                    order_date.isoformat(),
                    fake.date_time_between(start, start + dt.timedelta(days=1), dt.UTC).isoformat(),
                )
            )


def _source_seconds(out: str, rows: int) -> dict[str, tuple[float, int]]:
    """generate()'s own seconds and rows for each raw file (orders, customers, fx_rates).

    The value pools are cleared first, so every round builds them inside the clock, as a run of
    ``etlq generate`` does.
    """
    pool.cache_clear()
    result = generate(contracts(), GenerateOptions(out=out, rows=rows, seed=SEED, run_date=RUN_DATE))
    return {t.source: (t.seconds, t.rows) for t in result.tables if t.source}


def measure(rows: int, repeat: int) -> Run:
    """Median rows/s of datagen (``rows`` orders) and of Faker (at most ``FAKER_ROWS`` rows)."""
    faker_rows = min(rows, FAKER_ROWS)
    fake = Faker()  # built once, outside the clock: the peer is timed per row only
    fake.seed_instance(SEED)
    per_source: dict[str, list[float]] = {}
    produced: dict[str, int] = {}
    peer: list[float] = []
    with tempfile.TemporaryDirectory(prefix="etlq-bench-") as out:
        # untimed warm-up, as in the checks run: the process's one-time start-up (imports,
        # pyarrow's first array, ~0.25 s) would otherwise land on whichever file comes first
        _source_seconds(out, WARM_UP_ROWS)
        for _ in range(repeat):
            for source, (seconds, made) in _source_seconds(out, rows).items():
                per_source.setdefault(source, []).append(seconds)
                produced[source] = made
            peer.append(timed(lambda: faker_orders(Path(out) / "faker_orders.csv", faker_rows, fake))[0])
    subject, generated = per_source[ORDERS.name], produced[ORDERS.name]
    scale = generated / faker_rows  # Faker's seconds scaled to the subject's row count
    extrapolated = tuple(seconds * scale for seconds in peer)
    rows_per_s = generated / median(subject)
    source_rate = {source: round(produced[source] / median(s)) for source, s in per_source.items()}
    return Run(
        name="datagen",
        rows=generated,
        subject="etlq.datagen.generate, the orders CSV (all contracts, no defects)",
        subject_s=tuple(subject),
        peers={"faker_extrapolated_s": extrapolated},
        ratios={"faker_over_datagen": median(extrapolated) / median(subject)},
        goal=f">= {GOAL_ROWS_PER_S:,} rows/s for every source file of >= {GOAL_MIN_ROWS:,} rows",
        met=all(
            rate >= GOAL_ROWS_PER_S
            for source, rate in source_rate.items()
            if produced[source] >= GOAL_MIN_ROWS
        ),
        agree=None,
        details={
            "rows_per_s": round(rows_per_s),
            "rows_per_s_by_source": source_rate,
            "rows_by_source": produced,
            "faker_rows": faker_rows,
            "faker_s": [round(seconds, 4) for seconds in peer],
            "faker_rows_per_s": round(faker_rows / median(peer)),
        },
    )
