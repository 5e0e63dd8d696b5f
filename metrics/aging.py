"""Aging WIP: how long each item in progress has been going, against recent flow times.

An item's age is ranked against the flow times of the items done in the 90 days before the as-of
time, [as_of - 90 days, as_of) like every period (docs/metrics.md "Periods and boundaries"):
``percentile_rank`` is the share strictly shorter than its age, ``over_p85`` says its age already
exceeds what 85% of recent items took; with no reference both are null. ``unit=calendar_days`` gives
ages, and ranks them against flow times, in whole calendar days of the ART's time zone by the rule
of flow time's calendar days (``count_start_day``), so the figures compare with the tool a team used
before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from art.vocabulary import Level, StatusCategory
from metrics.columns import CATS, DAY_US, us
from metrics.days import calendar_days
from metrics.flow import Unit, flow_times
from metrics.inputs import ArtData, ItemFacts
from metrics.output import iso, iso_all, r4
from metrics.scope import scope
from metrics.stats import Summary, summarize


@dataclass(frozen=True, slots=True)
class AgingRow:
    """An item in progress: its status at as_of and its start as the report writes it."""

    item: ItemFacts
    status: str | None
    category: StatusCategory | None
    started_at: str | None  # ISO 8601 (metrics.output.iso)
    age_days: float | int  # int: whole calendar days
    percentile_rank: float | None
    over_p85: bool | None

    def to_dict(self) -> dict[str, Any]:
        it = self.item
        return {
            "key": it.key,
            "title": it.title,
            "team": it.team,
            "level": it.level.value,
            "work_type": it.work_type.value,
            "status": self.status,
            "status_category": None if self.category is None else self.category.value,
            "started_at": self.started_at,
            "age_days": self.age_days if isinstance(self.age_days, int) else r4(self.age_days),
            "percentile_rank": r4(self.percentile_rank),
            "over_p85": self.over_p85,
        }


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: datetime
    level: Level
    team: str | None
    window_days: int
    definition: dict[str, Any]
    reference: Summary
    data: list[AgingRow]
    unit: Unit = "days"

    def to_dict(self) -> dict[str, Any]:
        ref = self.reference
        return {
            "level": self.level.value,
            "team": self.team,
            "unit": self.unit,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "reference": {
                "window_days": self.window_days,
                "count": ref.count,
                "p50": r4(ref.p50),
                "p85": r4(ref.p85),
                "p95": r4(ref.p95),
            },
            "data": [r.to_dict() for r in self.data],
        }


def aging_report(
    data: ArtData,
    as_of: datetime,
    level: Level | None = None,
    team: str | None = None,
    window_days: int = 90,
    unit: Unit = "days",
) -> AgingReport:
    """Items in progress at as_of, oldest first, ranked against recent flow times."""
    sc = scope(data, as_of, level, team)
    fa = sc.fa
    now = us(as_of)
    since = us(as_of - timedelta(days=window_days))
    ref_idx = np.flatnonzero(sc.sel & fa.timed & (fa.done_us >= since) & (fa.done_us < now))
    ref = np.sort(flow_times(sc, ref_idx, unit))
    stats = summarize(ref)
    wip = np.flatnonzero(sc.sel & fa.in_progress)
    started = fa.started_us[wip]
    ages: list[float] | list[int]
    if unit == "calendar_days":
        d = data.definition
        now_all = np.full(wip.size, now, dtype=np.int64)
        ages = calendar_days(d.tz, started, now_all, d.count_start_day).tolist()
        age_rule = "whole calendar days from started_at's date to as_of's date (ART time zone)"
        age_rule += ", plus 1 (count_start_day)" if d.count_start_day else ""
    else:
        ages = ((now - started) / DAY_US).tolist()
        age_rule = "as_of - started_at, in days"
    below = np.searchsorted(ref, np.asarray(ages, dtype=np.float64), side="left")
    ranks = (100.0 * below / ref.size).tolist() if ref.size else None
    # oldest first, then started_at (as_of for none), then key: one sort of the columns, and
    # the rows' fields read from columns (tens of thousands of items in progress at 200k)
    begun = fa.start[wip] >= 0
    order = np.lexsort(
        (sc.cols.key_rank[wip], np.where(begun, started, now), -np.asarray(ages, dtype=np.float64))
    )
    last = fa.last[wip]
    status = np.where(last >= 0, sc.cols.status[np.maximum(last, 0)], -1).tolist()
    names, cats, items = sc.cols.statuses.values, fa.cat[wip].tolist(), data.items
    started_at, wip_items = iso_all(started, begun), wip.tolist()
    out = [
        AgingRow(
            items[wip_items[k]],
            names[status[k]] if status[k] >= 0 else None,
            CATS[cats[k]] if cats[k] >= 0 else None,
            started_at[k],
            ages[k],
            None if ranks is None else ranks[k],
            None if stats.p85 is None else bool(ages[k] > stats.p85),
        )
        for k in order.tolist()
    ]
    definition = {
        **data.definition.to_dict(),
        "level": sc.level.value,
        "unit": unit,
        "age": age_rule,
        "reference": f"flow times ({unit}) of items done in [as_of - {window_days} days, as_of)",
        "percentile_rank": "share of reference flow times strictly shorter than the age",
    }
    return AgingReport(as_of, sc.level, team, window_days, definition, stats, out, unit)
