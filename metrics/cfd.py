"""Cumulative flow: items per status category (or per status) at the end of each day.

Items not yet created and removed items are left out (docs/metrics.md "Cumulative flow"); done stays
a band, so an item reopened leaves it again. Each item contributes one span per status it held,
summed with a difference array per band: O(changes + days), not O(items x days).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np

from art.vocabulary import Level, StatusCategory
from metrics.columns import CATS, NEVER, REMOVED
from metrics.days import DayBounds
from metrics.inputs import ArtData, Window
from metrics.output import iso
from metrics.scope import scope
from metrics.timeline import last_complete_day_end

CATEGORIES = ["todo", "active", "wait", "done"]


@dataclass(frozen=True, slots=True)
class CfdReport:
    window: Window
    as_of: datetime
    level: Level
    team: str | None
    by: Literal["category", "status"]
    definition: dict[str, Any]
    categories: list[str]  # the bands in workflow order
    data: list[tuple[date, dict[str, int]]]

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.window.to_dict(),
            "level": self.level.value,
            "team": self.team,
            "by": self.by,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "categories": self.categories,
            "data": [{"date": d.isoformat(), **row} for d, row in self.data],
        }


def cfd_report(
    data: ArtData,
    window: Window,
    as_of: datetime,
    level: Level | None = None,
    team: str | None = None,
    by: Literal["category", "status"] = "category",
) -> CfdReport:
    """Bands per complete day of the window; ``by="status"`` gives one band per status."""
    sc = scope(data, as_of, level, team)
    c, fa = sc.cols, sc.fa
    tz = data.definition.tz
    db = DayBounds(tz, window.start, last_complete_day_end(window.end, as_of, tz))
    last_ev = fa.last[c.item]
    m = sc.sel[c.item] & (np.arange(c.e) <= last_ev) & (c.cat != REMOVED)
    idx = np.flatnonzero(m)
    end = np.where(idx == last_ev[idx], NEVER, c.next_t[idx])
    near, lo, hi = db.day_spans(c.t[idx], end)
    if by == "category":
        bands = list(CATEGORIES)
        totals = db.totals(lo, hi, bands=len(CATS), band=c.cat[idx[near]].astype(np.int64))
        rows = {name: totals[k] for k, name in enumerate(bands)}
    else:
        codes = c.status[idx].astype(np.int64)
        seen: dict[str, StatusCategory] = {}
        uniq, first = np.unique(codes, return_index=True)
        for code, j in zip(uniq.tolist(), first.tolist(), strict=True):
            seen[c.statuses.values[code]] = CATS[int(c.cat[idx[j]])]
        bands = _order(seen, data.definition.statuses)
        totals = db.totals(lo, hi, bands=max(1, len(c.statuses.values)), band=codes[near])
        rows = {
            name: totals[c.statuses.get(name)] if c.statuses.get(name) >= 0 else None
            for name in bands
        }
    out = [
        (d, {b: (0 if t is None else round(float(t[k]))) for b, t in rows.items()})
        for k, d in enumerate(db.days)
    ]
    definition = {
        **data.definition.to_dict(),
        "window": window.to_dict(),
        "level": sc.level.value,
        "by": by,
        "counted": "items at the end of each day; not yet created and removed ones left out",
    }
    return CfdReport(window, as_of, sc.level, team, by, definition, bands, out)


def _order(seen: dict[str, StatusCategory], mapping: Mapping[str, StatusCategory]) -> list[str]:
    """Statuses in workflow order: by category, then in the mapping's order."""
    rank = {c: k for k, c in enumerate(CATEGORIES)}
    names = [s for s in mapping if mapping[s] != StatusCategory.REMOVED]
    names += [s for s in seen if s not in mapping and seen[s] != StatusCategory.REMOVED]
    pos = {s: k for k, s in enumerate(names)}
    return sorted(names, key=lambda s: (rank[(mapping.get(s) or seen[s]).value], pos[s]))
