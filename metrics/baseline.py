"""The plan of a PI as it stood at its start, and what changed since.

The plan is reconstructed from history (iteration, PI, team and status at the start of the
PI's first day), so a baseline exists even for a PI planned before Trainyard was installed.
The app may freeze ``plan_at(...).to_dict()`` when a PI starts and pass it back as ``frozen``:
the comparison is then against the stored plan.
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
        return {"key": self.key, "team": self.team, "iteration": self.iteration}


@dataclass(frozen=True, slots=True)
class PlanSnapshot:
    """Features per team iteration, committed objectives and story scope at one time."""

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

    @property
    def feature_completion_pct(self) -> float | None:
        return pct(len(self.done_features), len(self.baseline.features))

    def to_dict(self) -> dict[str, Any]:
        base, now = self.baseline, self.current
        added = [k for k in now.features if k not in base.features]
        removed = [k for k in base.features if k not in now.features]
        moved = [
            {"key": k, "from": base.features[k].to_dict(), "to": now.features[k].to_dict()}
            for k in base.features
            if k in now.features and base.features[k] != now.features[k]
        ]
        b_pts = sum(v or 0.0 for v in base.scope_items.values())
        n_pts = sum(v or 0.0 for v in now.scope_items.values())
        s_add = [k for k in now.scope_items if k not in base.scope_items]
        s_rem = [k for k in base.scope_items if k not in now.scope_items]
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "baseline": base.to_dict(),
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
        "moved": "in the PI at both times, with another iteration or team",
    }
    return BaselineReport(pi, as_of, definition, base, now, done)
