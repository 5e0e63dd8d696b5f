"""SAFe's six flow metrics over a window: velocity, time, load, efficiency, distribution,
predictability; and the per-item cycle-time list behind the time statistics.

Items are those done in [from, to) (local days); load is counted at the end of each complete
day of the window by a difference array over each item's in-progress spans (no per-day loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from art.vocabulary import Level, StatusCategory
from metrics.columns import DAY_US, DONE, I64, NEVER, REMOVED, WAIT, WORK_TYPES
from metrics.days import DayBounds
from metrics.inputs import ArtData, Window
from metrics.output import iso, num, pct, r4, shares
from metrics.predictability import predictability_report
from metrics.scope import Scope, scope, window_bounds
from metrics.stats import Summary, summarize
from metrics.throughput import Bucket, Interval, bucket_done
from metrics.timeline import last_complete_day_end

Unit = Literal["days", "calendar_days"]


@dataclass(frozen=True, slots=True)
class Velocity:
    items: int
    points: float
    by_work_type: dict[str, int]
    series: list[Bucket]

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "points": num(self.points),
            "by_work_type": self.by_work_type,
            "series": [b.to_dict() for b in self.series],
        }


@dataclass(frozen=True, slots=True)
class Load:
    """WIP at the end of each complete day of the window, and now (at as_of)."""

    now: int
    by_day: list[tuple[date, int]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "by_day": [{"date": d.isoformat(), "wip": n} for d, n in self.by_day],
        }


@dataclass(frozen=True, slots=True)
class FlowReport:
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    unit: Unit
    definition: dict[str, Any]
    velocity: Velocity
    time: Summary
    lead_time: Summary
    load: Load
    efficiency_pct: float | None
    efficiency_note: str | None
    distribution_pct: dict[str, float]
    wip_distribution_pct: dict[str, float]
    predictability: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "unit": self.unit,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "velocity": self.velocity.to_dict(),
            "time": self.time.to_dict(),
            "lead_time": self.lead_time.to_dict(),
            "load": self.load.to_dict(),
            "efficiency_pct": r4(self.efficiency_pct),
            "efficiency_note": self.efficiency_note,
            "distribution_pct": {k: r4(v) for k, v in self.distribution_pct.items()},
            "wip_distribution_pct": {k: r4(v) for k, v in self.wip_distribution_pct.items()},
            "predictability": self.predictability,
        }


def flow_definition(data: ArtData, window: Window, level: Level, unit: Unit) -> dict[str, Any]:
    return {
        **data.definition.to_dict(),
        "window": window.to_dict(),
        "level": level.value,
        "unit": unit,
        "items": "done_at in [from, to), local calendar days",
        "load": "items started and neither done nor removed at the end of each day",
    }


def flow_report(
    data: ArtData,
    window: Window,
    as_of: datetime,
    level: Level | None = None,
    team: str | None = None,
    unit: Unit = "days",
    interval: Interval = "week",
) -> FlowReport:
    """The six flow metrics for the items of a level (and team) over the window."""
    sc = scope(data, as_of, level, team)
    lo, hi = window_bounds(data, window)
    done = sc.done_between(lo, hi)
    timed = done[sc.fa.timed[done]]
    active = float(sc.fa.active_us[timed].sum()) / DAY_US
    total = float(sc.flow_days(timed).sum())
    lead = (sc.fa.done_us[done] - sc.cols.created[done]) / DAY_US
    by_type = work_types(sc.cols.work_type[done])
    wip_types = work_types(sc.cols.work_type[sc.sel & sc.fa.in_progress])
    return FlowReport(
        window=window,
        as_of=as_of,
        level=sc.level,
        team=team,
        unit=unit,
        definition=flow_definition(data, window, sc.level, unit),
        velocity=Velocity(
            int(done.size), sc.points_now(done), by_type, bucket_done(sc, done, window, interval)
        ),
        time=summarize(flow_times(sc, timed, unit)),
        lead_time=summarize(lead),
        load=load(sc, window),
        efficiency_pct=(efficiency := pct(active, total)),
        efficiency_note=None if efficiency is None else efficiency_note(sc),
        distribution_pct=shares(by_type),
        wip_distribution_pct=shares(wip_types),
        predictability=_predictability(data, window, as_of, team),
    )


def efficiency_note(sc: Scope) -> str | None:
    """Why the efficiency may read high: none of the scope's items has ever been in a wait
    status, so only flagged time (and time back in todo) counts as wait; at 100% it is so by
    construction. None when some item of the level (and team) has waited in a wait status."""
    c, fa = sc.cols, sc.fa
    upto = np.arange(c.e) <= fa.last[c.item]  # events in force by as_of
    if bool((sc.sel[c.item] & upto & (c.cat == WAIT)).any()):
        return None
    statuses = sc.data.definition.statuses
    mapped = sorted(s for s, cat in statuses.items() if cat == StatusCategory.WAIT)
    where = f"{sc.level.value} level" + (f", team {sc.team}" if sc.team else "")
    config = (
        f"statuses mapped to wait in the configuration: {', '.join(mapped)}"
        if mapped
        else "the configuration maps no status to wait"
    )
    return (
        f"no wait status is mapped at {where}: no item has been in one, so only flagged time "
        f"and time back in a todo status count as wait (100% when there is none); {config}"
    )


def work_types(codes: npt.NDArray[np.int8]) -> dict[str, int]:
    """Count per work type name, types with none left out, sorted by name."""
    counts = np.bincount(codes.astype(np.int64), minlength=len(WORK_TYPES))
    return dict(sorted((WORK_TYPES[k].value, int(n)) for k, n in enumerate(counts) if n))


def flow_times(sc: Scope, timed: I64, unit: Unit) -> npt.NDArray[np.float64]:
    if unit == "calendar_days":
        return sc.calendar_days(timed).astype(np.float64)
    return sc.flow_days(timed)


def load(sc: Scope, window: Window) -> Load:
    """WIP at the end of each complete day of the window (difference array) and at as_of."""
    c, fa = sc.cols, sc.fa
    tz = sc.data.definition.tz
    db = DayBounds(tz, window.start, last_complete_day_end(window.end, sc.as_of, tz))
    idx = _in_progress_events(sc)
    end = np.where(idx == fa.last[c.item[idx]], NEVER, c.next_t[idx])
    _, lo, hi = db.day_spans(c.t[idx], end)
    counts = db.totals(lo, hi)[0]
    now = int(np.count_nonzero(sc.sel & fa.in_progress))
    return Load(now, [(d, round(float(n))) for d, n in zip(db.days, counts, strict=True)])


def _in_progress_events(sc: Scope) -> I64:
    """The events of the selected items from their first start (restarted or not) to their
    event in force at as_of, in neither done nor removed. Each item's events are one run of
    the stream, so the runs are marked by their ends (a difference array) rather than by
    comparing every event with its item's start and end: a 200,000-item ART has over a
    million events, and each gather over them is new memory."""
    c, fa = sc.cols, sc.fa
    items = np.flatnonzero(sc.sel & (fa.first_start >= 0) & (fa.first_start <= fa.last))
    edges = np.zeros(c.e + 1, dtype=np.int8)
    edges[fa.first_start[items]] += 1  # (runs of distinct items: no index twice in a line)
    edges[fa.last[items] + 1] -= 1
    within = np.cumsum(edges[:-1], dtype=np.int8) > 0
    return np.flatnonzero(within & (c.cat != DONE) & (c.cat != REMOVED))


def _predictability(
    data: ArtData, window: Window, as_of: datetime, team: str | None
) -> dict[str, Any] | None:
    span = data.pi_containing(window.end - timedelta(days=1))
    if span is None:
        return None
    rep = predictability_report(data, span.name, as_of)
    sc = rep.art if team is None else next((t for t in rep.teams if t.team == team), None)
    if sc is None:
        return None
    return {
        "pi": span.name,
        "state": sc.state,
        "predictability_pct": r4(sc.predictability_pct),
        "complete": sc.complete,
        "scored": sc.scored,
        "objectives": sc.objectives,
        "earned_pct": r4(sc.earned_pct),
        "projected_pct": r4(sc.projected_pct),
    }
