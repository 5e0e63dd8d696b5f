"""Which items a report looks at (level, team, existing at as_of), with their flow arrays.

Reports select with boolean masks over the columnar engine and build Python row objects only
for the rows they output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from art.vocabulary import Level
from metrics.columns import (
    BOOL,
    CATS,
    DAY_US,
    I64,
    LEVELS,
    Columns,
    FlowArrays,
    columns,
    from_us,
    us,
)
from metrics.days import calendar_days
from metrics.inputs import ArtData, ItemFacts, Window, default_level
from metrics.timeline import ItemFlow, day_start


@dataclass(frozen=True, slots=True)
class Flowing:
    """An item with its flow facts."""

    item: ItemFacts
    flow: ItemFlow


@dataclass(frozen=True, slots=True)
class Scope:
    data: ArtData
    cols: Columns
    fa: FlowArrays
    level: Level
    team: str | None
    as_of: datetime
    sel: BOOL  # the items of the level and team, not deleted, created by as_of

    def done_between(self, lo: datetime, hi: datetime) -> I64:
        """Indices of selected items whose done_at falls in [lo, hi)."""
        fa = self.fa
        m = self.sel & (fa.done >= 0) & (fa.done_us >= us(lo)) & (fa.done_us < us(hi))
        return np.flatnonzero(m)

    def points_now(self, idx: I64) -> float:
        """Sum of the points the items have at as_of (none counts 0)."""
        if idx.size == 0:
            return 0.0
        return float(np.nansum(self.cols.points[self.fa.last[idx]]))

    def flow_days(self, idx: I64) -> np.ndarray:
        return (self.fa.done_us[idx] - self.fa.started_us[idx]) / DAY_US

    def calendar_days(self, idx: I64) -> I64:
        d = self.data.definition
        return calendar_days(d.tz, self.fa.started_us[idx], self.fa.done_us[idx], d.count_start_day)

    def rows(self, idx: I64) -> list[Flowing]:
        """Row objects (item facts and ItemFlow) for the given item indices."""
        fa, c, items = self.fa, self.cols, self.data.items
        timed = fa.timed[idx]
        cal = np.zeros(idx.size, dtype=np.int64)
        if timed.any():
            cal[timed] = self.calendar_days(idx[timed])
        last = fa.last[idx]
        status = np.where(last >= 0, c.status[np.maximum(last, 0)], -1).tolist()
        names = c.statuses.values
        out: list[Flowing] = []
        for i, st, cat, s, d, s_us, d_us, act, tm, cd, cr in zip(
            idx.tolist(),
            status,
            fa.cat[idx].tolist(),
            fa.start[idx].tolist(),
            fa.done[idx].tolist(),
            fa.started_us[idx].tolist(),
            fa.done_us[idx].tolist(),
            fa.active_us[idx].tolist(),
            timed.tolist(),
            cal.tolist(),
            c.created[idx].tolist(),
            strict=True,
        ):
            flow = active = wait = None
            if tm:
                total = d_us - s_us
                flow, active, wait = total / DAY_US, act / DAY_US, (total - act) / DAY_US
            out.append(
                Flowing(
                    items[i],
                    ItemFlow(
                        items[i].key,
                        from_us(s_us) if s >= 0 else None,
                        from_us(d_us) if d >= 0 else None,
                        names[st] if st >= 0 else None,
                        CATS[cat] if cat >= 0 else None,
                        s,
                        flow,
                        active,
                        wait,
                        cd if tm else None,
                        (d_us - cr) / DAY_US if d >= 0 else None,
                    ),
                )
            )
        return out


def scope(data: ArtData, as_of: datetime, level: Level | None, team: str | None) -> Scope:
    """The items of a level (default by team, docs/metrics.md "Levels and work types") and team
    at ``as_of``."""
    lvl = level or default_level(team)
    c = columns(data)
    fa = c.flows(data, as_of)
    sel = (c.level == LEVELS.index(lvl)) & ~c.deleted & (fa.last >= 0)
    if team is not None:
        sel &= c.team == c.teams.get(team)
    return Scope(data, c, fa, lvl, team, as_of, sel)


def window_bounds(data: ArtData, window: Window) -> tuple[datetime, datetime]:
    """The window as instants: local midnight of ``from`` to local midnight of ``to``."""
    tz = data.definition.tz
    return day_start(window.start, tz), day_start(window.end, tz)
