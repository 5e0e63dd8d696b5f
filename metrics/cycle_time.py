"""The cycle-time list: one row per item done in the window, with the statistics over them.

Rows carry both day conventions' inputs (fractional flow days and calendar days), the
active/wait split and the lead time, so a team can compare with the tool it used before.
A 200,000-item ART has tens of thousands of such rows: they are kept as columns and written
out column by column (rounding and timestamps over whole arrays), never one object per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from art.vocabulary import Level
from metrics.columns import I64, LEVELS, WORK_TYPES
from metrics.flow import Unit, flow_definition, flow_times
from metrics.inputs import ArtData, ItemFacts, Window
from metrics.output import iso, iso_all, kept, r4_all
from metrics.scope import FlowColumns, scope, window_bounds
from metrics.stats import Summary, summarize

_LEVEL_NAMES = [lv.value for lv in LEVELS]
_WORK_TYPE_NAMES = [wt.value for wt in WORK_TYPES]


@dataclass(frozen=True, slots=True)
class CycleTimeRows:
    """The rows as columns, in output order: the items, their level and work type codes, and
    their flow facts."""

    items: list[ItemFacts]
    levels: list[int]
    work_types: list[int]
    flow: FlowColumns

    def to_dicts(self, linked: bool) -> list[dict[str, Any]]:
        """One dict per row, each field formatted over its whole column first; ``linked``:
        ending with the item's url and display key (written with the row: the API asks for
        them, a second pass over tens of thousands of rows cost a tenth of the report)."""
        f, items = self.flow, self.items
        timed = f.timed
        whole = np.where(f.flow_days == 0, 1.0, f.flow_days)
        efficiency = r4_all(100.0 * f.active_days / whole, timed & (f.flow_days != 0))
        rows = [
            {
                "key": it.key,
                "team": it.team,
                "level": _LEVEL_NAMES[lv],
                "work_type": _WORK_TYPE_NAMES[wt],
                "started_at": started,
                "done_at": done,
                "flow_time_days": flow,
                "flow_time_calendar_days": cal,
                "active_days": active,
                "wait_days": wait,
                "lead_time_days": lead,
                "efficiency_pct": eff,
                "url": it.url,
                "display_key": it.shown_key,
            }
            for it, lv, wt, started, done, flow, cal, active, wait, lead, eff in zip(
                items,
                self.levels,
                self.work_types,
                iso_all(f.started_us, f.start >= 0),
                iso_all(f.done_us, f.done),
                r4_all(f.flow_days, timed),
                kept(f.calendar_days[timed].astype(object), timed),
                r4_all(f.active_days, timed),
                r4_all(f.wait_days, timed),
                r4_all(f.lead_days, f.done),
                efficiency,
                strict=True,
            )
        ]
        if not linked:
            for row in rows:
                del row["url"], row["display_key"]
        return rows


@dataclass(frozen=True, slots=True)
class CycleTimeReport:
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    unit: Unit
    definition: dict[str, Any]
    data: CycleTimeRows
    stats: Summary

    def to_dict(self, linked: bool = False) -> dict[str, Any]:
        """The report; ``linked``: each row ends with its item's url and display key, as the
        API's link_items would add them, for less than a walk over tens of thousands of rows
        costs."""
        return {
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "unit": self.unit,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": self.data.to_dicts(linked),
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
    """One row per item done in the window (never-started ones without a flow time), by
    done time, then key."""
    sc = scope(data, as_of, level, team)
    lo, hi = window_bounds(data, window)
    done = sc.done_between(lo, hi)
    order = by_time_then_key(sc.fa.done_us[done], sc.cols.key_rank[done])
    rows = done[order]
    items = data.items
    return CycleTimeReport(
        window,
        as_of,
        sc.level,
        team,
        unit,
        flow_definition(data, window, sc.level, unit),
        CycleTimeRows(
            [items[i] for i in rows.tolist()],
            sc.cols.level[rows].tolist(),
            sc.cols.work_type[rows].tolist(),
            sc.flow_columns(rows),
        ),
        summarize(flow_times(sc, done[sc.fa.timed[done]], unit)),
    )


def by_time_then_key(t: I64, key_rank: I64) -> I64:
    """The order of rows by time, ties by key, sorted at once by both: ``key_rank`` is each
    row's key's place among the ART's keys (metrics.columns), so no string is compared."""
    return np.lexsort((key_rank, t))
