"""Velocity and say/do per team and iteration, from iteration and points history.

committed: items in the iteration at its start, with their points then; completed: in it at
its end and done by then; added: in it at the end but not at the start; carried over: in it at
the end and not done. Removed items are in neither snapshot. Only iterations that have ended
by the as-of time are reported: a running iteration has no say/do yet.

A row is a team's iteration as the ART defines it: (team, PI, iteration display name). A team
whose stories and features sit in two Jira projects plans into two boards' sprints of the same
name, and an ART may read the same iteration from several sources: those are one iteration,
so one row. A team gets a row only for an iteration one of its items (of the level) was in
while it ran; ART-wide iterations (Azure DevOps paths) give no empty row to every team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from art.vocabulary import Level
from metrics.columns import BOOL, DONE, F64, LEVELS, REMOVED, Columns, columns, us
from metrics.inputs import ArtData, IterationSpan
from metrics.output import iso, num, pct, r4
from metrics.timeline import day_end, day_start

RowKey = tuple[str, str | None, str]  # team, PI, iteration display name


@dataclass(slots=True)
class VelocityRow:
    """One team's figures for one iteration; ``keys`` are the tracker iterations it covers,
    ``start`` and ``end`` the earliest start and the latest end among them."""

    team: str
    iteration: str
    pi: str | None
    start: date
    end: date
    keys: tuple[str, ...]
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
            "iteration": self.iteration,
            "iteration_keys": list(self.keys),
            "pi": self.pi,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
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


@dataclass(frozen=True, slots=True)
class _Snapshots:
    """One tracker iteration's items at its start (0) and at its end (1), per item, and the
    teams of the items put into it while it ran."""

    span: IterationSpan
    in0: BOOL
    in1: BOOL
    team0: np.ndarray
    team1: np.ndarray
    p0: F64
    p1: F64
    done1: BOOL
    ran_teams: frozenset[int]

    def members(self, team: int) -> tuple[BOOL, BOOL, bool]:
        """Which items count for ``team`` at the start and at the end, and whether one of the
        team's items was in the iteration while it ran. A team's own sprint counts every item
        in it; an ART-wide iteration the items of the team at that time."""
        if self.span.team is not None:
            return self.in0, self.in1, bool(self.ran_teams)
        m0, m1 = self.in0 & (self.team0 == team), self.in1 & (self.team1 == team)
        return m0, m1, team in self.ran_teams


def _snapshots(data: ArtData, c: Columns, it: IterationSpan, ok_item: BOOL) -> _Snapshots:
    tz = data.definition.tz
    code = c.iterations.get(it.key)
    start, end = us(day_start(it.start, tz)), us(day_end(it.end, tz))
    i0 = c.last_index(start)
    i1 = c.last_index(end, inclusive=False)
    j0, j1 = np.maximum(i0, 0), np.maximum(i1, 0)
    in0 = ok_item & (i0 >= 0) & (c.iteration[j0] == code) & (c.cat[j0] != REMOVED)
    in1 = ok_item & (i1 >= 0) & (c.iteration[j1] == code) & (c.cat[j1] != REMOVED)
    ev = np.flatnonzero(c.iteration == code)  # events that leave an item in it: few
    ev = ev[(c.cat[ev] != REMOVED) & (c.t[ev] >= start) & (c.t[ev] < end) & ok_item[c.item[ev]]]
    ran = set(c.team_at[ev].tolist()) | set(c.team_at[j0[in0]].tolist())
    return _Snapshots(
        it,
        in0,
        in1,
        c.team_at[j0],
        c.team_at[j1],
        np.nan_to_num(c.points[j0]),
        np.nan_to_num(c.points[j1]),
        c.cat[j1] == DONE,
        frozenset(ran),
    )


def _row(key: RowKey, spans: Sequence[_Snapshots], team: int, n: int) -> VelocityRow | None:
    """The figures of one team over the tracker iterations of one ART iteration: an item is
    counted once, with its points in the first of them it is in (None: the team never was)."""
    a0, a1 = np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    p0, p1 = np.zeros(n), np.zeros(n)
    done1 = np.zeros(n, np.bool_)
    touched = False
    for s in spans:
        m0, m1, ran = s.members(team)
        touched |= ran
        new0, new1 = m0 & ~a0, m1 & ~a1
        p0[new0], p1[new1], done1[new1] = s.p0[new0], s.p1[new1], s.done1[new1]
        a0 |= m0
        a1 |= m1
    if not (touched or a0.any() or a1.any()):
        return None
    its = [s.span for s in spans]
    row = VelocityRow(
        key[0],
        key[2],
        key[1],
        min(i.start for i in its),
        max(i.end for i in its),
        tuple(i.key for i in its),
    )
    row.committed_points = float(p0[a0].sum())
    row.committed_items = int(a0.sum())
    row.completed_points = float(p1[a1 & done1].sum())
    row.completed_items = int((a1 & done1).sum())
    row.carried_over_points = float(p1[a1 & ~done1].sum())
    row.added_points = float(p1[a1 & ~a0].sum())
    return row


def velocity_report(
    data: ArtData,
    as_of: datetime,
    team: str | None = None,
    pi: str | None = None,
    level: Level = Level.STORY,
) -> VelocityReport:
    """One row per team and finished iteration (of the PI, when given) the team worked in."""
    tz = data.definition.tz
    teams = [team] if team is not None else data.team_names
    planned: dict[RowKey, list[IterationSpan]] = {}
    for t in teams:
        for it in data.iterations_for(t, pi):
            planned.setdefault((t, it.pi, it.label), []).append(it)
    finished = {
        k: its for k, its in planned.items() if day_end(max(i.end for i in its), tz) <= as_of
    }
    # one ART iteration at a time: its tracker iterations' snapshots serve every team
    by_iteration: dict[tuple[str | None, str], list[RowKey]] = {}
    for k in finished:
        by_iteration.setdefault((k[1], k[2]), []).append(k)
    c = columns(data)
    ok_item = (c.level == LEVELS.index(level)) & ~c.deleted
    rows: dict[RowKey, VelocityRow | None] = dict.fromkeys(finished)
    for keys in by_iteration.values():
        snaps: dict[str, _Snapshots] = {}
        for k in keys:
            spans = []
            for it in finished[k]:
                if it.key not in snaps:
                    snaps[it.key] = _snapshots(data, c, it, ok_item)
                spans.append(snaps[it.key])
            rows[k] = _row(k, spans, c.teams.get(k[0]), c.n)
    definition = {
        **data.definition.to_dict(),
        "level": level.value,
        "rows": "one per team, PI and iteration name: same-named sprints of a team's boards and "
        "sources are one iteration; only iterations an item of the team was in while they ran",
        "committed": "items in the iteration at the start of its first day, points then",
        "completed": "items in it at the end of its last day and done by then",
        "added": "items in it at the end that were not in it at the start",
        "carried_over": "items in it at the end and not done",
        "say_do_pct": "100 * completed / committed",
        "iterations": "finished by as_of",
    }
    data_rows = [r for r in rows.values() if r is not None]
    return VelocityReport(as_of, team, pi, level, definition, data_rows)
