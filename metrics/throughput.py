"""Throughput: items done per day, ISO week (labelled by its Monday) or iteration.

Buckets with nothing done are included (docs/metrics.md "Throughput"): a zero day is information,
and the forecast samples it. Buckets run from the window's start to its end or to the as-of day,
whichever comes first; today's bucket counts what is done so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np

from art.vocabulary import Level
from metrics.columns import I64
from metrics.days import ordinals
from metrics.inputs import ArtData, Window
from metrics.output import iso, num
from metrics.scope import Scope, scope, window_bounds
from metrics.timeline import local_date

Interval = Literal["day", "week", "iteration"]


@dataclass(frozen=True, slots=True)
class Bucket:
    """Items done in [period, end): ``label`` names the iteration for interval=iteration."""

    period: date
    end: date
    items: int
    points: float
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "period": self.period.isoformat(),
            "items": self.items,
            "points": num(self.points),
        }
        if self.label is not None:
            out["iteration"] = self.label
        return out


@dataclass(frozen=True, slots=True)
class ThroughputReport:
    interval: Interval
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    definition: dict[str, Any]
    data: list[Bucket]

    def to_dict(self) -> dict[str, Any]:
        return {
            "interval": self.interval,
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": [b.to_dict() for b in self.data],
        }


def throughput_report(
    data: ArtData,
    window: Window,
    as_of: datetime,
    interval: Interval = "week",
    level: Level | None = None,
    team: str | None = None,
) -> ThroughputReport:
    """Items done (and their points) per interval over the window."""
    sc = scope(data, as_of, level, team)
    lo, hi = window_bounds(data, window)
    buckets = bucket_done(sc, sc.done_between(lo, hi), window, interval)
    definition = {
        **data.definition.to_dict(),
        "window": window.to_dict(),
        "level": sc.level.value,
        "interval": interval,
        "counted": "items whose done_at falls in the bucket (local calendar days)",
    }
    return ThroughputReport(interval, window, as_of, sc.level, team, definition, buckets)


def bucket_done(sc: Scope, done: I64, window: Window, interval: Interval) -> list[Bucket]:
    """Bucket done items by the local date of their done_at; empty buckets included."""
    tz = sc.data.definition.tz
    last = min(window.end, local_date(sc.as_of, tz) + timedelta(days=1))  # exclusive
    spans: list[tuple[date, date, str | None]] = []
    if interval == "day":
        spans = [(d, d + timedelta(days=1), None) for d in _dates(window.start, last)]
    elif interval == "week":
        monday = window.start - timedelta(days=window.start.weekday())
        while monday < last:
            spans.append((monday, monday + timedelta(days=7), None))
            monday += timedelta(days=7)
    else:
        for it in sc.data.iterations_for(sc.team):
            if it.start < last and it.end >= window.start:
                spans.append((it.start, it.end + timedelta(days=1), it.label))
    if not spans:
        return []
    starts = np.array([s[0].toordinal() for s in spans], dtype=np.int64)
    ends = np.array([s[1].toordinal() for s in spans], dtype=np.int64)
    day = ordinals(tz, sc.fa.done_us[done])
    k = np.searchsorted(starts, day, side="right") - 1
    ok = (k >= 0) & (day < ends[np.maximum(k, 0)])
    pts = np.nan_to_num(sc.cols.points[sc.fa.last[done]])
    counts = np.bincount(k[ok], minlength=len(spans))
    points = np.bincount(k[ok], weights=pts[ok], minlength=len(spans))
    return [
        Bucket(s, e, int(counts[j]), float(points[j]), label)
        for j, (s, e, label) in enumerate(spans)
    ]


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=k) for k in range(max(0, (end - start).days))]
