"""Wall-clock timing of one call, and the median of repetitions."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[float, T]:
    """Seconds ``call`` took, and what it returned."""
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def median(seconds: Sequence[float]) -> float:
    # the median, not the mean: other jobs on a shared machine add outliers, never remove time
    return statistics.median(seconds)
