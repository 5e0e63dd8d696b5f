"""Which items a report looks at (level, team, existing at as_of), with their flow arrays.

Reports select with boolean masks over the columnar engine and build Python row objects only
for the rows they output.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import numpy as np

from art.vocabulary import Level
from metrics.columns import (
    BOOL,
    CATS,
    DAY_US,
    F64,
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
class FlowColumns:
    """The flow facts of some items, one entry per item: what a report of thousands of rows
    reads instead of one ItemFlow per item. Durations hold where ``timed`` (lead time where
    ``done``); elsewhere they are zero."""

    idx: I64  # the items
    start: I64  # event of the start (-1: never started)
    done: BOOL
    timed: BOOL
    started_us: I64
    done_us: I64
    flow_days: F64
    active_days: F64
    wait_days: F64
    calendar_days: I64
    lead_days: F64

    def take(self, order: I64) -> FlowColumns:
        """The same items in another order (or a subset)."""
        return FlowColumns(*(getattr(self, name)[order] for name in _FLOW_COLUMNS))


_FLOW_COLUMNS = [f.name for f in fields(FlowColumns)]


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

    def flow_columns(self, idx: I64) -> FlowColumns:
        """The flow facts of the given items as columns (full precision)."""
        fa = self.fa
        timed = fa.timed[idx]
        cal = np.zeros(idx.size, dtype=np.int64)
        if timed.any():
            cal[timed] = self.calendar_days(idx[timed])
        started_us, done_us, active_us = fa.started_us[idx], fa.done_us[idx], fa.active_us[idx]
        total = np.where(timed, done_us - started_us, 0)
        active_us = np.where(timed, active_us, 0)
        return FlowColumns(
            idx,
            fa.start[idx],
            fa.done[idx] >= 0,
            timed,
            started_us,
            done_us,
            total / DAY_US,
            active_us / DAY_US,
            (total - active_us) / DAY_US,
            cal,
            (done_us - self.cols.created[idx]) / DAY_US,
        )

    def rows(self, idx: I64) -> list[Flowing]:
        """Row objects (item facts and ItemFlow) for the given item indices."""
        fa, c, items = self.fa, self.cols, self.data.items
        f = self.flow_columns(idx)
        last = fa.last[idx]
        status = np.where(last >= 0, c.status[np.maximum(last, 0)], -1).tolist()
        names = c.statuses.values
        out: list[Flowing] = []
        for i, st, cat, s, dn, s_us, d_us, tm, flow, act, wait, cd, lead in zip(
            idx.tolist(),
            status,
            fa.cat[idx].tolist(),
            f.start.tolist(),
            f.done.tolist(),
            f.started_us.tolist(),
            f.done_us.tolist(),
            f.timed.tolist(),
            f.flow_days.tolist(),
            f.active_days.tolist(),
            f.wait_days.tolist(),
            f.calendar_days.tolist(),
            f.lead_days.tolist(),
            strict=True,
        ):
            out.append(
                Flowing(
                    items[i],
                    ItemFlow(
                        items[i].key,
                        from_us(s_us) if s >= 0 else None,
                        from_us(d_us) if dn else None,
                        names[st] if st >= 0 else None,
                        CATS[cat] if cat >= 0 else None,
                        s,
                        flow if tm else None,
                        act if tm else None,
                        wait if tm else None,
                        cd if tm else None,
                        lead if dn else None,
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
