"""``etlq contract init`` proposes ``checks.anomalies`` for a table with enough recorded history.

From the metrics history (``etlq.history``), for one live table with at least ``min_history``
recorded days of ``row_count`` (the kind's default, 21):

- ``volume``; ``null_rate:<column>`` for each nullable column with as many days of null
  fractions (a NOT NULL column has its not_null check); ``sum:<column>`` for each numeric column
  that is not a key (a sum of ids means nothing) with as many days of sums;
- ``seasonality``: ``weekly`` when 4 weeks or more show weekday medians of the volume more than
  20 % apart; ``month_end`` when 2 month-ends or more show a median volume more than 30 % off
  the other days'.

A table with less history gets no proposal, and a note saying how many days it has (none
for a table the history has never seen).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

from etlq.anomaly import is_month_end
from etlq.contracts.kinds.anomaly import DEFAULTS
from etlq.contracts.metrics import NULL_FRACTION, ROW_COUNT, SUM
from etlq.contracts.types import is_numeric_type
from etlq.drift.catalog import LiveTable

MIN_HISTORY: int = cast(int, DEFAULTS["min_history"])
WEEKLY_SPREAD, MONTH_END_LIFT = 1.2, 1.3


def _days(records: Iterable[Mapping[str, Any]], table: str) -> dict[tuple[str, str | None], dict[str, float]]:
    """(metric, column) -> run date -> value (the latest recording of a date wins)."""
    latest: dict[tuple[str, str | None], dict[str, tuple[str, float]]] = defaultdict(dict)
    for r in records:
        if r["table"] != table or "check" in r:
            continue
        by_day = latest[(r["metric"], r.get("column"))]
        seen = by_day.get(r["run_date"])
        if seen is None or r.get("recorded_at", "") >= seen[0]:
            by_day[r["run_date"]] = (r.get("recorded_at", ""), float(r["value"]))
    return {key: {d: v for d, (_, v) in days.items()} for key, days in latest.items()}


def seasonality(volume: Mapping[str, float]) -> list[str]:
    """The seasons the volume history shows (see the module docstring)."""
    dated = [(dt.date.fromisoformat(d), v) for d, v in sorted(volume.items())]
    ends = [v for d, v in dated if is_month_end(d)]
    ordinary = [(d, v) for d, v in dated if not is_month_end(d)]
    out = []
    weekdays: dict[int, list[float]] = defaultdict(list)
    for d, v in ordinary:
        weekdays[d.weekday()].append(v)
    if len(dated) >= 28 and len(weekdays) == 7:
        medians = [statistics.median(vs) for vs in weekdays.values()]
        if min(medians) > 0 and max(medians) / min(medians) > WEEKLY_SPREAD:
            out.append("weekly")
    if len(ends) >= 2 and ordinary:
        usual = statistics.median(v for _, v in ordinary)
        lift = statistics.median(ends) / usual if usual else 1.0
        if lift > MONTH_END_LIFT or lift < 1 / MONTH_END_LIFT:
            out.append("month_end")
    return out


def propose(
    records: Iterable[Mapping[str, Any]], live: LiveTable, min_history: int = MIN_HISTORY
) -> tuple[dict[str, Any] | None, str]:
    """(the ``checks.anomalies`` mapping to draft, or None; a note saying why / from what, or
    "" for a table without any recorded day)."""
    series = _days(records, live.table)
    volume = series.get((ROW_COUNT, None), {})
    if not volume:
        return None, ""  # never recorded: nothing to say
    if len(volume) < min_history:
        return None, f"{len(volume)} day(s) of history, {min_history} needed to propose checks.anomalies"
    keys = set(live.primary_key) | {c for fk in live.foreign_keys for c in fk.columns}
    metrics: list[str] = ["volume"]
    metrics += [
        f"null_rate:{c.name}"
        for c in live.columns
        if c.nullable and len(series.get((NULL_FRACTION, c.name), {})) >= min_history
    ]
    metrics += [
        f"sum:{c.name}"
        for c in live.columns
        if is_numeric_type(c.type)
        and c.name not in keys
        and len(series.get((SUM, c.name), {})) >= min_history
    ]
    proposal: dict[str, Any] = {"metrics": metrics}
    seasons = seasonality(volume)
    if seasons:
        proposal["seasonality"] = seasons
    return proposal, f"proposed checks.anomalies from {len(volume)} day(s) of history"
