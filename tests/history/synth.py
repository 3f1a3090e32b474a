"""90 generated days that nobody tuned the scorer to: a weekly pattern, month-end spikes, noise,
and one planted anomaly per metric (the sum of an amount column: 60 % of it missing one day).
``python tests/history/synth.py [seeds]`` prints the false positives and detections of
``etlq.anomaly.score`` with the anomaly kind's settings."""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from etlq.anomaly import is_month_end, score
from etlq.contracts.kinds.anomaly import WATCHED

START = dt.date(2026, 9, 1)
DAYS = 90
WEEK = (1.0, 1.05, 1.1, 1.05, 1.2, 0.45, 0.35)  # Monday .. Sunday
PLANTED = {"volume": 62, "null_rate": 70, "freshness": 75, "sum": 66}  # day index of each planted anomaly
SETTINGS = {  # what a contract would say (checks.anomalies), per watched metric
    "volume": {"seasonality": ("weekly", "month_end"), "direction": "both", "min_history": 21},
    "null_rate": {"seasonality": (), "direction": "spike", "min_history": 14},
    "freshness": {"seasonality": (), "direction": "spike", "min_history": 14},
    "sum": {"seasonality": ("weekly", "month_end"), "direction": "both", "min_history": 21},
}
SUM_DROP = 0.4  # the planted day's sum: 60 % of the amount is missing (rows arrived as usual)


def generate(seed: int) -> dict[str, list[tuple[str, float]]]:
    rng = random.Random(seed)
    amounts = random.Random(seed + 10_000)  # its own stream: the other series stay as they were
    out: dict[str, list[tuple[str, float]]] = {name: [] for name in PLANTED}
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        rows = 10000 * WEEK[day.weekday()] * (2.2 if is_month_end(day) else 1.0) * rng.uniform(0.9, 1.1)
        null, lag = rng.uniform(0.005, 0.015), rng.uniform(1.0, 3.0) * 3600
        # the amount column sums the day's rows (before the volume plant: one anomaly per series)
        total = rows * 50.0 * amounts.uniform(0.95, 1.05)
        total = total * SUM_DROP if i == PLANTED["sum"] else total
        rows = rows / 3 if i == PLANTED["volume"] else rows  # the load is a third of usual
        null = 0.2 if i == PLANTED["null_rate"] else null  # a column that is never empty: 20 % NULL
        lag = 30 * 3600 if i == PLANTED["freshness"] else lag  # a load 30 h late
        series = (("volume", round(rows)), ("null_rate", null), ("freshness", lag), ("sum", total))
        for name, value in series:
            out[name].append((day.isoformat(), float(value)))
    return out


@dataclass
class Tally:
    evaluated_normal: int = 0
    not_evaluated: int = 0
    false_positives: int = 0
    detected: int = 0
    missed: int = 0


def evaluate(seed: int, sensitivity: float = 5.0) -> Iterator[tuple[str, Tally]]:
    for name, points in generate(seed).items():
        _, min_spread, min_abs_spread = WATCHED[name]
        tally = Tally()
        for i, (day, value) in enumerate(points):
            verdict = score(
                points[:i], day, value, sensitivity=sensitivity, min_spread=min_spread,
                min_abs_spread=min_abs_spread, **SETTINGS[name],  # type: ignore[arg-type]
            )  # fmt: skip
            if verdict.outcome == "not_evaluated":
                tally.not_evaluated += 1
            elif i == PLANTED[name]:
                tally.detected += verdict.outcome == "failed"
                tally.missed += verdict.outcome != "failed"
            else:
                tally.evaluated_normal += 1
                tally.false_positives += verdict.outcome == "failed"
        yield name, tally


if __name__ == "__main__":
    seeds = range(1, int(sys.argv[1]) + 1) if len(sys.argv) > 1 else range(1, 41)
    for sensitivity in (5.0, 4.0, 3.0):
        totals: dict[str, Tally] = {name: Tally() for name in PLANTED}
        for seed in seeds:
            for name, tally in evaluate(seed, sensitivity):
                for key, value in vars(tally).items():
                    setattr(totals[name], key, getattr(totals[name], key) + value)
        for name, t in totals.items():
            print(f"sensitivity {sensitivity:g} {name}: {len(seeds)} seeds, {vars(t)}")
