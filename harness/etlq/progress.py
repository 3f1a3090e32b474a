"""Progress of long work on stderr: a bar on a terminal, one line every few seconds otherwise
(CI logs), nothing with ``--quiet``. The rows/s figure counts from ``Progress`` creation, which
callers place after their start-up (connecting, planning), so it is the work's own rate."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from tqdm import tqdm

# seconds between progress lines when stderr is not a terminal
INTERVAL = float(os.environ.get("ETLQ_PROGRESS_SECONDS", "10"))


class Progress:
    def __init__(self, label: str, total: int | None, *, enabled: bool = True, stream: TextIO | None = None):
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.started = self.last = time.perf_counter()
        tty = enabled and self.stream.isatty()
        self.bar = tqdm(
            total=total, unit="rows", unit_scale=True, desc=label, file=self.stream, disable=not tty
        )
        self.lines = enabled and not tty
        self.printed = False  # work shorter than INTERVAL prints nothing, not even the last line

    def update(self, rows: int) -> None:
        self.done += rows
        self.bar.update(rows)
        now = time.perf_counter()
        if self.lines and now - self.last >= INTERVAL:
            self.last, self.printed = now, True
            self._line(now)

    def _line(self, now: float, final: bool = False) -> None:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        of = f"/{self.total:,}" if self.total else ""
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total and not final else ""
        verb = "done:" if final else "..."
        print(
            f"{self.label} {verb} {self.done:,}{of} rows{share}, {rate:,.0f} rows/s, {elapsed:.1f}s",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        self.bar.close()
        if self.printed:
            self._line(time.perf_counter(), final=True)
