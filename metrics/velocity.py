"""Velocity and say/do per team and iteration, from iteration and points history.

committed: items in the iteration at its start, with their points then; completed: in it at
its end and done by then; added: in it at the end but not at the start; carried over: in it at
the end and not done. Removed items are in neither snapshot. Only iterations that have ended
by the as-of time are reported: a running iteration has no say/do yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from art.vocabulary import Level
from metrics.columns import DONE, LEVELS, REMOVED, columns, us
from metrics.inputs import ArtData, IterationSpan
from metrics.output import iso, num, pct, r4
from metrics.timeline import day_end, day_start


@dataclass(slots=True)
class VelocityRow:
    team: str
    iteration: IterationSpan
    committed_points: float = 0.0
    completed_points: float = 0.0
    added_points: float = 0.0
    carried_over_points: float = 0.0
    committed_items: int = 0
    completed_items: int = 0

    @property
    def say_do_pct(self) -> float | None:
        return pct(self.completed_points, self.committed_points)

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "iteration": self.iteration.label,
            "pi": self.iteration.pi,
            "start": self.iteration.start.isoformat(),
            "end": self.iteration.end.isoformat(),
            "committed_points": num(self.committed_points),
            "completed_points": num(self.completed_points),
            "added_points": num(self.added_points),
            "carried_over_points": num(self.carried_over_points),
            "say_do_pct": r4(self.say_do_pct),
            "committed_items": self.committed_items,
            "completed_items": self.completed_items,
        }


@dataclass(frozen=True, slots=True)
class VelocityReport:
    as_of: datetime
    team: str | None
    pi: str | None
    level: Level
    definition: dict[str, Any]
    data: list[VelocityRow]

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "pi": self.pi,
            "level": self.level.value,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": [r.to_dict() for r in self.data],
        }


def velocity_report(
    data: ArtData,
    as_of: datetime,
    team: str | None = None,
    pi: str | None = None,
    level: Level = Level.STORY,
) -> VelocityReport:
    """One row per team and finished iteration (of the PI, when given)."""
    tz = data.definition.tz
    teams = [team] if team is not None else data.team_names
    rows: dict[tuple[str, str], VelocityRow] = {}
    for t in teams:
        for it in data.iterations_for(t, pi):
            if day_end(it.end, tz) <= as_of:
                rows[(t, it.key)] = VelocityRow(t, it)
    c = columns(data)
    lvl = LEVELS.index(level)
    ok_item = (c.level == lvl) & ~c.deleted
    for key in dict.fromkeys(k for _, k in rows):
        it = data.iteration_by_key[key]
        code = c.iterations.get(key)
        i0 = c.last_index(us(day_start(it.start, tz)))
        i1 = c.last_index(us(day_end(it.end, tz)), inclusive=False)
        j0, j1 = np.maximum(i0, 0), np.maximum(i1, 0)
        in0 = ok_item & (i0 >= 0) & (c.iteration[j0] == code) & (c.cat[j0] != REMOVED)
        in1 = ok_item & (i1 >= 0) & (c.iteration[j1] == code) & (c.cat[j1] != REMOVED)
        p0 = np.nan_to_num(c.points[j0])
        p1 = np.nan_to_num(c.points[j1])
        done1 = c.cat[j1] == DONE
        for team_name in teams:
            row = rows.get((team_name, key))
            if row is None:
                continue
            if it.team is not None:
                t0 = t1 = np.ones(c.n, dtype=np.bool_)
            else:
                tc = c.teams.get(team_name)
                t0, t1 = c.team_at[j0] == tc, c.team_at[j1] == tc
            a0, a1 = in0 & t0, in1 & t1
            row.committed_points = float(p0[a0].sum())
            row.committed_items = int(a0.sum())
            row.completed_points = float(p1[a1 & done1].sum())
            row.completed_items = int((a1 & done1).sum())
            row.carried_over_points = float(p1[a1 & ~done1].sum())
            row.added_points = float(p1[a1 & ~in0].sum())
    definition = {
        **data.definition.to_dict(),
        "level": level.value,
        "committed": "items in the iteration at the start of its first day, points then",
        "completed": "items in it at the end of its last day and done by then",
        "added": "items in it at the end that were not in it at the start",
        "carried_over": "items in it at the end and not done",
        "say_do_pct": "100 * completed / committed",
        "iterations": "finished by as_of",
    }
    return VelocityReport(as_of, team, pi, level, definition, list(rows.values()))
