"""Calendar days in the ART's time zone as arrays: day indices and per-day sums.

A state held over [a, b) is the state at the end of day d when a falls on or before d and b
after it (local dates); summing such spans with a difference array and one cumulative sum
gives a per-day series in O(spans + days), never O(items x days).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from metrics.columns import F64, I64, from_us, us
from metrics.timeline import day_start, local_date


class DayBounds:
    """Local midnights of the days [start, end) as microseconds, for searchsorted."""

    def __init__(self, tz: ZoneInfo, start: date, end: date) -> None:
        self.start = start
        self.n = max(0, (end - start).days)
        self.days = [start + timedelta(days=k) for k in range(self.n)]
        self.bounds = np.array(
            [us(day_start(start + timedelta(days=k), tz)) for k in range(self.n + 1)],
            dtype=np.int64,
        )

    def index(self, t: I64) -> I64:
        """Day index of each time clamped to [0, n] (NEVER maps to n)."""
        i = np.searchsorted(self.bounds, t, side="right") - 1
        return np.clip(i, 0, self.n).astype(np.int64)

    def day_spans(self, start: I64, end: I64) -> tuple[I64, I64, I64]:
        """Of spans [start, end): the positions of those that hold at the end of some day,
        with their ``index`` ranges. Only spans starting before the last day's end and
        ending at or after the first day's end can: the days of the others (most of a long
        history) are never searched."""
        near = np.zeros(0, dtype=np.int64)
        if self.n:
            near = np.flatnonzero((start < self.bounds[-1]) & (end >= self.bounds[1]))
        lo, hi = self.index(start[near]), self.index(end[near])
        held = lo < hi
        return near[held], lo[held], hi[held]

    def raw(self, t: I64) -> I64:
        """Day index, unclamped: -1 before the first day, n and more after the last."""
        return (np.searchsorted(self.bounds, t, side="right") - 1).astype(np.int64)

    def totals(
        self, lo: I64, hi: I64, weight: F64 | None = None, bands: int = 1, band: I64 | None = None
    ) -> F64:
        """Sum of ``weight`` at the end of each day over spans [lo, hi) of day indices.

        With ``bands``, one row per band (``band`` gives each span's row).
        """
        size = self.n + 1
        off = np.zeros_like(lo) if band is None else band * size
        keep = lo < hi
        w = None if weight is None else weight[keep]
        diff = np.bincount((off + lo)[keep], weights=w, minlength=bands * size).astype(np.float64)
        diff -= np.bincount((off + hi)[keep], weights=w, minlength=bands * size)
        out: F64 = np.cumsum(diff.reshape(bands, size)[:, : self.n], axis=1)
        return out


def ordinals(tz: ZoneInfo, t: I64) -> I64:
    """Local calendar date of each time, as a proleptic ordinal (date.toordinal)."""
    if t.size == 0:
        return np.zeros(0, dtype=np.int64)
    lo = local_date(from_us(int(t.min())), tz) - timedelta(days=1)
    hi = local_date(from_us(int(t.max())), tz) + timedelta(days=2)
    db = DayBounds(tz, lo, hi)
    return db.raw(t) + lo.toordinal()


def calendar_days(tz: ZoneInfo, start: I64, end: I64, count_start_day: bool) -> I64:
    """Whole calendar days from each ``start`` to its ``end`` (local dates), plus 1 when the
    start day counts (docs/metrics.md, ``count_start_day``: done the day it started = 1 day)."""
    out: I64 = ordinals(tz, end) - ordinals(tz, start) + (1 if count_start_day else 0)
    return out
