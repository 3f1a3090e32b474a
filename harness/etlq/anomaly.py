"""Robust anomaly scoring of one metric's value against its own history (issue 13).

Pure functions over ``(run_date, value)`` pairs; nothing here reads a store or a database.

- A day's *season*: ``month_end`` (when ``seasonality`` has it and the day is the last of its
  month), else its weekday (when ``seasonality`` has ``weekly``), else one season for all days.
- The baseline: the median of the past days of today's season. A month-end day with fewer than
  ``MIN_SEASON`` earlier month-ends, but at least one, falls back to the ordinary baseline of
  its weekday scaled by the month-end lift those month-ends showed (each one over its own
  weekday's median); its spread is widened by sqrt(1 + 1/lifts), the noise of that lift.
- The spread: 1.4826 * the MAD of every past day's relative deviation from the median of its
  own season (the season medians are computed once, so this is O(n log n)), times the
  baseline; floored at ``min_spread`` of the baseline and at ``min_abs_spread``.
- The band: baseline +- sensitivity * spread; a value outside it on the watched side fails.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

MAD_TO_SIGMA = 1.4826
MIN_SEASON = 3  # past days of a season before its own median is the baseline
DIRECTIONS = ("both", "drop", "spike")
SEASONALITIES = ("weekly", "month_end")


@dataclass(frozen=True)
class Score:
    outcome: str  # passed | failed | not_evaluated
    value: float
    low: float | None = None
    high: float | None = None
    baseline: float | None = None
    days: int = 0  # days of history the band was computed from
    used: tuple[tuple[str, float], ...] = ()  # the comparable days behind the baseline
    reason: str = ""


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def season(day: dt.date, seasonality: Sequence[str]) -> str:
    if "month_end" in seasonality and is_month_end(day):
        return "month_end"
    return str(day.weekday()) if "weekly" in seasonality else "all"


def _ordinary(day: dt.date, seasonality: Sequence[str]) -> str:
    return season(day, [s for s in seasonality if s != "month_end"])


def score(
    history: Sequence[tuple[str, float]],
    run_date: str,
    value: float,
    *,
    min_history: int = 14,
    sensitivity: float = 5.0,
    direction: str = "both",
    seasonality: Sequence[str] = (),
    window: int = 90,
    min_spread: float = 0.05,
    min_abs_spread: float = 0.0,
) -> Score:
    """Today's ``value`` of ``run_date`` against the ``window`` days of ``history`` before it."""
    past = sorted((d, float(v)) for d, v in history if d < run_date)[-window:]
    if len(past) < min_history:
        return Score(
            "not_evaluated",
            value,
            days=len(past),
            reason=f"{len(past)} day(s) of history, {min_history} needed",
        )
    day = dt.date.fromisoformat(run_date)
    dated = [(dt.date.fromisoformat(d), d, v) for d, v in past]
    groups: dict[str, list[float]] = defaultdict(list)
    for d, _, v in dated:
        groups[season(d, seasonality)].append(v)
    centre = {key: statistics.median(values) for key, values in groups.items()}
    today = season(day, seasonality)
    used = tuple((iso, v) for d, iso, v in dated if season(d, seasonality) == today)
    widen = 1.0  # a baseline scaled by a lift seen on few month-ends carries that lift's noise too
    if len(used) >= MIN_SEASON:
        baseline = centre[today]
    elif today == "month_end" and used:
        # few month-ends yet: the weekday's ordinary baseline times the lift month-ends showed
        ordinary: dict[str, list[float]] = defaultdict(list)
        for d, _, v in dated:
            if season(d, seasonality) != "month_end":
                ordinary[_ordinary(d, seasonality)].append(v)
        medians = {key: statistics.median(values) for key, values in ordinary.items()}
        lifts = [
            v / medians[key]
            for iso, v in used
            if (key := _ordinary(dt.date.fromisoformat(iso), seasonality)) in medians and medians[key]
        ]
        base = medians.get(_ordinary(day, seasonality))
        if not lifts or base is None:
            return Score(
                "not_evaluated", value, days=len(past), reason="no ordinary day to scale for month-end"
            )
        baseline = base * statistics.median(lifts)
        widen = math.sqrt(1.0 + 1.0 / len(lifts))
    else:
        reason = (
            "no earlier month-end day in the history"
            if today == "month_end"
            else f"{len(used)} comparable {today} day(s) in the history, {MIN_SEASON} needed"
        )
        return Score("not_evaluated", value, days=len(past), reason=reason)
    deviations = []
    for d, _, v in dated:
        key = season(d, seasonality)
        if len(groups[key]) >= 2 and centre[key]:  # a season of one day has no spread to tell
            deviations.append(v / centre[key] - 1.0)
    mad = MAD_TO_SIGMA * statistics.median(abs(x) for x in deviations) if deviations else 0.0
    spread = max(widen * mad * abs(baseline), min_spread * abs(baseline), min_abs_spread)
    low, high = baseline - sensitivity * spread, baseline + sensitivity * spread
    breach = (value < low and direction in ("drop", "both")) or (
        value > high and direction in ("spike", "both")
    )
    return Score("failed" if breach else "passed", value, low, high, baseline, len(past), used)
