"""The plan of a PI as it stood at its start, and what changed since.

The plan is reconstructed from history (iteration, PI, team and status at the start of the
PI's first day), so a baseline exists even for a PI planned before Trainyard was installed.
The app may freeze ``plan_at(...).to_dict()`` when a PI starts and pass it back as ``frozen``:
the comparison is then against the stored plan.

A plan holds iterations by the tracker's key (a renamed sprint stays the same iteration); the
report shows each by its display name with the key beside, and a feature moved between two
sprints of the same name (a team's two boards) has not moved. The report carries the story
scope as figures; :meth:`BaselineReport.scope_rows` lists its items, for a paged list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from art.vocabulary import Level
from metrics.columns import DONE, LEVELS, REMOVED, columns, us
from metrics.inputs import ArtData
from metrics.output import iso, num, pct, r4
from metrics.timeline import day_start


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a feature sat: its team and iteration key (None: in the PI, no iteration)."""

    key: str
    team: str | None
    iteration: str | None

    def to_dict(self) -> dict[str, Any]:
        """The stored form (a frozen plan): the iteration by its key."""
        return {"key": self.key, "team": self.team, "iteration": self.iteration}

    def shown(self, data: ArtData) -> dict[str, Any]:
        """As reports show it: the iteration by its display name, its key beside."""
        return {
            "key": self.key,
            "team": self.team,
            "iteration": data.iteration_label(self.iteration),
            "iteration_key": self.iteration,
        }


@dataclass(frozen=True, slots=True)
class PlanSnapshot:
    """Features per team iteration, committed objectives and story scope at one time; its
    dict form is what the app stores as a frozen baseline."""

    pi: str
    at: datetime
    features: dict[str, Placement]
    committed_objectives: list[int | str]
    scope_items: dict[str, float | None]  # story key -> points then

    def to_dict(self) -> dict[str, Any]:
        return {
            "pi": self.pi,
            "at": iso(self.at),
            "features": [p.to_dict() for p in self.features.values()],
            "committed_objectives": self.committed_objectives,
            "scope_items": self.scope_items,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanSnapshot:
        return cls(
            pi=d["pi"],
            at=datetime.fromisoformat(d["at"]),
            features={
                f["key"]: Placement(f["key"], f["team"], f["iteration"]) for f in d["features"]
            },
            committed_objectives=list(d["committed_objectives"]),
            scope_items=dict(d["scope_items"]),
        )


def plan_at(
    data: ArtData, pi: str, at: datetime | None = None, feature_level: Level = Level.FEATURE
) -> PlanSnapshot:
    """The plan of ``pi`` at ``at`` (default: the start of the PI's first day).

    An item is in the plan when it exists then, is not removed, and its iteration belongs to
    the PI (or, without a known iteration, its PI field names it).
    """
    t = at or day_start(data.pi_by_name[pi].start, data.definition.tz)
    c = columns(data)
    last = c.last_index(us(t))
    j = np.maximum(last, 0)
    inside = (last >= 0) & ~c.deleted & (c.cat[j] != REMOVED)
    inside &= c.event_pi(data)[j] == c.pis.code(pi)
    known = [k in data.iteration_by_key for k in c.iterations.values]
    features: dict[str, Placement] = {}
    for i in np.flatnonzero(inside & (c.level == LEVELS.index(feature_level))).tolist():
        it, tm = int(c.iteration[j[i]]), int(c.team_at[j[i]])
        features[c.keys[i]] = Placement(
            c.keys[i],
            c.teams.values[tm] if tm >= 0 else None,
            c.iterations.values[it] if it >= 0 and known[it] else None,
        )
    scope: dict[str, float | None] = {}
    for i in np.flatnonzero(inside & (c.level == LEVELS.index(Level.STORY))).tolist():
        p = float(c.points[j[i]])
        scope[c.keys[i]] = None if np.isnan(p) else p
    committed = [o.id for o in data.objectives if o.pi == pi and o.committed]
    return PlanSnapshot(pi, t, features, committed, scope)


@dataclass(frozen=True, slots=True)
class BaselineReport:
    pi: str
    as_of: datetime
    definition: dict[str, Any]
    baseline: PlanSnapshot
    current: PlanSnapshot
    done_features: list[str]
    data: ArtData

    @property
    def feature_completion_pct(self) -> float | None:
        return pct(len(self.done_features), len(self.baseline.features))

    def _place(self, p: Placement) -> tuple[str | None, str | None]:
        """A placement as the ART defines it: team and iteration display name."""
        return p.team, self.data.iteration_label(p.iteration)

    def moved(self) -> list[str]:
        """Features in the plan at both times, with another team or iteration."""
        base, now = self.baseline.features, self.current.features
        return [k for k in base if k in now and self._place(base[k]) != self._place(now[k])]

    def scope_rows(self) -> list[dict[str, Any]]:
        """Each story of the scope then or now with its points then and now: the baseline's,
        then those added, each in the ART's item order (a stored plan's mapping may not keep
        its order), so pages are stable."""
        base, now = self.baseline.scope_items, self.current.scope_items
        index = columns(self.data).index

        def order(key: str) -> tuple[int, str]:
            return index.get(key, len(index)), key

        rows = []
        added = sorted((k for k in now if k not in base), key=order)
        for key in [*sorted(base, key=order), *added]:
            b, n = base.get(key), now.get(key)
            if key not in base:
                change = "added"
            elif key not in now:
                change = "removed"
            else:
                change = "unchanged" if b == n else "re-estimated"
            rows.append(
                {
                    "key": key,
                    "change": change,
                    "baseline_points": None if b is None else num(b),
                    "now_points": None if n is None else num(n),
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        base, now = self.baseline, self.current
        added = [k for k in now.features if k not in base.features]
        removed = [k for k in base.features if k not in now.features]
        moved = [
            {
                "key": k,
                "from": base.features[k].shown(self.data),
                "to": now.features[k].shown(self.data),
            }
            for k in self.moved()
        ]
        b_pts = sum(v or 0.0 for v in base.scope_items.values())
        n_pts = sum(v or 0.0 for v in now.scope_items.values())
        s_add = [k for k in now.scope_items if k not in base.scope_items]
        s_rem = [k for k in base.scope_items if k not in now.scope_items]
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "baseline": {
                "pi": base.pi,
                "at": iso(base.at),
                "features": [p.shown(self.data) for p in base.features.values()],
                "committed_objectives": base.committed_objectives,
            },
            "current_features": [p.shown(self.data) for p in now.features.values()],
            "features": {
                "planned": len(base.features),
                "done": len(self.done_features),
                "feature_completion_pct": r4(self.feature_completion_pct),
                "done_keys": self.done_features,
                "added": added,
                "removed": removed,
                "moved": moved,
            },
            "committed_objectives": {
                "baseline": base.committed_objectives,
                "now": now.committed_objectives,
            },
            "scope": {
                "baseline": {"items": len(base.scope_items), "points": num(b_pts)},
                "now": {"items": len(now.scope_items), "points": num(n_pts)},
                "added": {
                    "items": len(s_add),
                    "points": num(sum(now.scope_items[k] or 0.0 for k in s_add)),
                },
                "removed": {
                    "items": len(s_rem),
                    "points": num(sum(base.scope_items[k] or 0.0 for k in s_rem)),
                },
                "change_points": num(n_pts - b_pts),
            },
        }


def baseline_report(
    data: ArtData, pi: str, as_of: datetime, frozen: PlanSnapshot | None = None
) -> BaselineReport:
    """The plan at the PI's start (or ``frozen``) against the plan at as_of."""
    base = frozen or plan_at(data, pi)
    now = plan_at(data, pi, as_of)
    c = columns(data)
    cat = c.flows(data, as_of).cat
    done = [k for k in base.features if k in c.index and cat[c.index[k]] == DONE]
    definition = {
        **data.definition.to_dict(),
        "baseline": "the plan at the start of the PI's first day, from history",
        "feature_completion_pct": "features of the baseline done at as_of / planned",
        "scope": "story-level items in the PI (iteration in the PI), points then",
        "moved": "in the PI at both times, with another iteration (by name) or team",
        "iterations": "shown by name (iteration), the tracker's id or path in iteration_key",
    }
    return BaselineReport(pi, as_of, definition, base, now, done, data)
