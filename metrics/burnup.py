"""Burn-up of a PI: scope and done per day, from iteration, points and status history.

An item is in the PI's scope on a day when, at the end of that day, it exists, is not removed
and its iteration belongs to the PI (or, with no iteration, its PI field names it); it is done
when it is also in a done status then. Each item's state changes only at its own change times,
so its contribution is a few spans summed with a difference array per series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np

from art.vocabulary import Level
from metrics.columns import DONE, LEVELS, NEVER, REMOVED, columns, us
from metrics.days import DayBounds
from metrics.inputs import ArtData
from metrics.output import iso, num
from metrics.timeline import local_date


@dataclass(frozen=True, slots=True)
class BurnupReport:
    pi: str
    team: str | None
    unit: Literal["points", "count"]
    level: Level
    as_of: datetime
    definition: dict[str, Any]
    data: list[tuple[date, float, float]]  # date, scope, done

    def to_dict(self) -> dict[str, Any]:
        return {
            "pi": self.pi,
            "team": self.team,
            "unit": self.unit,
            "level": self.level.value,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": [
                {"date": d.isoformat(), "scope": num(s), "done": num(n)} for d, s, n in self.data
            ],
        }


def burnup_report(
    data: ArtData,
    pi: str,
    as_of: datetime,
    team: str | None = None,
    unit: Literal["points", "count"] = "points",
    level: Level = Level.STORY,
) -> BurnupReport:
    """Scope and done for each complete day of the PI up to as_of."""
    span = data.pi_by_name[pi]
    tz = data.definition.tz
    c = columns(data)
    db = DayBounds(tz, span.start, min(span.end + timedelta(days=1), local_date(as_of, tz)))
    last = c.last_index(us(as_of))
    item_ok = (c.level == LEVELS.index(level)) & ~c.deleted & (last >= 0)
    last_ev = last[c.item]
    member = c.event_pi(data)
    m = item_ok[c.item] & (np.arange(c.e) <= last_ev) & (member == c.pis.code(pi))
    m &= c.cat != REMOVED
    if team is not None:
        m &= c.team_at == c.teams.get(team)
    idx = np.flatnonzero(m)
    end = np.where(idx == last_ev[idx], NEVER, c.next_t[idx])
    lo, hi = db.index(c.t[idx]), db.index(end)
    w = np.ones(idx.size) if unit == "count" else np.nan_to_num(c.points[idx])
    scope = db.totals(lo, hi, w)[0]
    done_w = np.where(c.cat[idx] == DONE, w, 0.0)
    done = db.totals(lo, hi, done_w)[0]
    rows = [(day, float(scope[k]), float(done[k])) for k, day in enumerate(db.days)]
    definition = {
        **data.definition.to_dict(),
        "level": level.value,
        "unit": unit,
        "scope": "items in the PI at the end of each day (iteration in the PI, not removed)",
        "done": "of those, in a done status at the end of the day",
    }
    return BurnupReport(pi, team, unit, level, as_of, definition, rows)
