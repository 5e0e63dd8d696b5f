"""The cycle-time list: one row per item done in the window, with the statistics over them.

Rows carry both day conventions' inputs (fractional flow days and calendar days), the
active/wait split and the lead time, so a team can compare with the tool it used before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from art.vocabulary import Level
from metrics.flow import Unit, flow_definition, flow_times
from metrics.inputs import ArtData, Window
from metrics.output import iso, pct, r4
from metrics.scope import Flowing, scope, window_bounds
from metrics.stats import Summary, summarize


@dataclass(frozen=True, slots=True)
class CycleTimeRow:
    flowing: Flowing
    efficiency_pct: float | None

    def to_dict(self) -> dict[str, Any]:
        it, f = self.flowing.item, self.flowing.flow
        return {
            "key": it.key,
            "team": it.team,
            "level": it.level.value,
            "work_type": it.work_type.value,
            "started_at": iso(f.started_at),
            "done_at": iso(f.done_at),
            "flow_time_days": r4(f.flow_days),
            "flow_time_calendar_days": f.calendar_days,
            "active_days": r4(f.active_days),
            "wait_days": r4(f.wait_days),
            "lead_time_days": r4(f.lead_days),
            "efficiency_pct": r4(self.efficiency_pct),
        }


@dataclass(frozen=True, slots=True)
class CycleTimeReport:
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    unit: Unit
    definition: dict[str, Any]
    data: list[CycleTimeRow]
    stats: Summary

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "unit": self.unit,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": [r.to_dict() for r in self.data],
            "stats": self.stats.to_dict(),
        }


def cycle_time_report(
    data: ArtData,
    window: Window,
    as_of: datetime,
    level: Level | None = None,
    team: str | None = None,
    unit: Unit = "days",
) -> CycleTimeReport:
    """One row per item done in the window (never-started ones without a flow time)."""
    sc = scope(data, as_of, level, team)
    lo, hi = window_bounds(data, window)
    done = sc.done_between(lo, hi)
    rows = sorted(sc.rows(done), key=lambda r: (r.flow.done_at or lo, r.item.key))
    out = [
        CycleTimeRow(
            r,
            pct(r.flow.active_days or 0.0, r.flow.flow_days)
            if r.flow.flow_days is not None
            else None,
        )
        for r in rows
    ]
    return CycleTimeReport(
        window,
        as_of,
        sc.level,
        team,
        unit,
        flow_definition(data, window, sc.level, unit),
        out,
        summarize(flow_times(sc, done[sc.fa.timed[done]], unit)),
    )
