"""SAFe's PI predictability measure, per team and for the ART, with partial scoring.

planned_bv counts committed objectives only, actual_bv every objective, so uncommitted work
delivered can lift a team above 100%. While some objectives are unscored the figure covers
the scored ones and says so (complete, scored, objectives); with no committed objective scored
it is null, never 0. The ART figure is the ratio of sums, not a mean of team percentages.

Mid-PI the headline says how much is known: ``state`` (not_started, in_progress, finished, from
the PI's dates and as_of's day in the ART's time zone), scored of objectives, and beside the
actual-so-far figure the earned-so-far one (``earned_pct``). A PI that has not started, or a
set with no objectives, is never ``complete``. ``projected_pct`` is reserved for the Monte Carlo
outlook's median; until that exists it repeats ``earned_pct`` for compatibility.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from art.vocabulary import StatusCategory
from metrics.inputs import ArtData, Objective, PISpan
from metrics.output import iso, num, r4
from metrics.timeline import local_date

PIState = Literal["not_started", "in_progress", "finished"]


def pi_state(span: PISpan | None, today: date) -> PIState | None:
    """Where ``today`` (a day in the ART's time zone) stands against the PI's dates, both
    inclusive; None for a PI known only by its objectives (no dates)."""
    if span is None:
        return None
    if today < span.start:
        return "not_started"
    return "in_progress" if today <= span.end else "finished"


def band(pct: float | None) -> str | None:
    """below under 80, within 80-100 inclusive, above over 100."""
    if pct is None:
        return None
    if pct < 80.0:
        return "below"
    return "within" if pct <= 100.0 else "above"


@dataclass(frozen=True, slots=True)
class Score:
    """The measure over a set of objectives (a team's, or the ART's when team is None)."""

    team: str | None
    planned_bv: float
    actual_bv: float
    predictability_pct: float | None
    complete: bool
    scored: int
    objectives: int
    earned_pct: float | None = None
    state: PIState | None = None

    @property
    def band(self) -> str | None:
        return band(self.predictability_pct)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.team is None else {"team": self.team}
        out.update(
            planned_bv=num(self.planned_bv),
            actual_bv=num(self.actual_bv),
            predictability_pct=r4(self.predictability_pct),
            band=self.band,
            complete=self.complete,
            scored=self.scored,
            objectives=self.objectives,
            state=self.state,
            earned_pct=r4(self.earned_pct),
            projected_pct=r4(self.projected_pct),
        )
        return out

    @property
    def projected_pct(self) -> float | None:
        """Kept for compatibility: the earned figure until the PI outlook provides its median."""
        return self.earned_pct


def score(
    objectives: Sequence[Objective],
    team: str | None = None,
    earned: dict[int | str, float] | None = None,
    state: PIState | None = None,
) -> Score:
    """Predictability of ``objectives``; ``earned`` maps objective id -> BV earned so far.
    Complete: every objective scored, at least one, and the PI started (``state``)."""
    scored = [o for o in objectives if o.actual_bv is not None]
    planned = sum(o.planned_bv or 0.0 for o in scored if o.committed)
    actual = sum(o.actual_bv or 0.0 for o in scored)
    has_committed = any(o.committed for o in scored)
    pct = 100.0 * actual / planned if has_committed and planned > 0 else None
    earned_pct = None
    if earned is not None:
        included = [o for o in objectives if o.id in earned]
        e_planned = sum(o.planned_bv or 0.0 for o in included if o.committed)
        e_actual = sum(earned[o.id] for o in included)
        if any(o.committed for o in included) and e_planned > 0:
            earned_pct = 100.0 * e_actual / e_planned
    complete = bool(objectives) and len(scored) == len(objectives) and state != "not_started"
    return Score(
        team,
        planned,
        actual,
        pct,
        complete,
        len(scored),
        len(objectives),
        earned_pct,
        state,
    )


def done_share(data: ArtData, keys: Sequence[str], as_of: datetime) -> float | None:
    """Done share of linked items: by points when all have points, else by count.

    Items unknown to the data, deleted or removed are left out; None when none is left.
    """
    done_pts = total_pts = 0.0
    done_n = total_n = 0
    all_pointed = True
    for k in keys:
        it = data.by_key.get(k)
        if it is None or it.deleted:
            continue
        h = data.history(k)
        cat = h.category_at(as_of)
        if cat is None or cat == StatusCategory.REMOVED:
            continue
        pts = h.points_at(as_of)
        total_n += 1
        is_done = cat == StatusCategory.DONE
        done_n += is_done
        if pts is None:
            all_pointed = False
        else:
            total_pts += pts
            done_pts += pts if is_done else 0.0
    if total_n == 0:
        return None
    if all_pointed and total_pts > 0:
        return done_pts / total_pts
    return done_n / total_n


@dataclass(frozen=True, slots=True)
class PredictabilityReport:
    pi: str
    as_of: datetime
    definition: dict[str, Any]
    art: Score
    teams: list[Score]
    objectives: list[Objective]
    earned_bv: dict[int | str, float] = field(default_factory=dict)
    state: PIState | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "state": self.state,
            "definition": self.definition,
            "art": self.art.to_dict(),
            "teams": [t.to_dict() for t in self.teams],
            "objectives": [
                {
                    "id": o.id,
                    "team": o.team,
                    "text": o.text,
                    "committed": o.committed,
                    "planned_bv": None if o.planned_bv is None else num(o.planned_bv),
                    "actual_bv": None if o.actual_bv is None else num(o.actual_bv),
                    "earned_bv": r4(self.earned_bv.get(o.id)),
                    "projected_bv": r4(self.earned_bv.get(o.id)),
                    "items": list(o.items),
                }
                for o in self.objectives
            ],
        }


def predictability_report(data: ArtData, pi: str, as_of: datetime) -> PredictabilityReport:
    """Per team and for the ART for one PI; ``earned_pct`` only while the PI runs."""
    objs = [o for o in data.objectives if o.pi == pi]
    order = {t: k for k, t in enumerate(data.team_names)}
    objs.sort(key=lambda o: (order.get(o.team or "", len(order)), str(o.id)))
    state = pi_state(data.pi_by_name.get(pi), local_date(as_of, data.definition.tz))
    earned = _earned(data, objs, as_of) if state == "in_progress" else None
    teams = [t for t in data.team_names if any(o.team == t for o in objs) or t in data.teams]
    definition = {
        **data.definition.to_dict(),
        "planned_bv": "sum of planned BV of committed objectives (scored ones while incomplete)",
        "actual_bv": "sum of actual BV of all scored objectives, committed and uncommitted",
        "art": "ratio of the sums over all teams",
        "band": "below < 80 <= within <= 100 < above",
        "state": "not_started / in_progress / finished: the PI's dates against as_of's day",
        "complete": "every objective scored, at least one, and the PI started",
        "earned": "planned BV x done share of linked items (points if all have them), "
        "while the PI runs",
        "projected": "equals earned for now; to become the PI outlook's median",
    }
    return PredictabilityReport(
        pi,
        as_of,
        definition,
        score(objs, None, earned, state),
        [score([o for o in objs if o.team == t], t, earned, state) for t in teams],
        objs,
        earned or {},
        state,
    )


def _earned(data: ArtData, objs: list[Objective], as_of: datetime) -> dict[int | str, float]:
    """BV earned so far per objective with linked items left: planned BV x done share."""
    out: dict[int | str, float] = {}
    for o in objs:
        share = done_share(data, o.items, as_of) if o.items else None
        if share is not None:
            out[o.id] = (o.planned_bv or 0.0) * share
    return out


@dataclass(frozen=True, slots=True)
class PredictabilityHistory:
    as_of: datetime
    definition: dict[str, Any]
    pis: list[PredictabilityReport]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": iso(self.as_of),
            "definition": self.definition,
            "data": [
                {
                    "pi": p.pi,
                    "state": p.state,
                    "art": p.art.to_dict(),
                    "teams": [t.to_dict() for t in p.teams],
                }
                for p in self.pis
            ],
        }


def predictability_history(data: ArtData, as_of: datetime) -> PredictabilityHistory:
    """The same figures for every PI, oldest first, for the trend."""
    names = [p.name for p in sorted(data.pis, key=lambda p: p.start)]
    extra = sorted({o.pi for o in data.objectives} - set(names))
    reports = [predictability_report(data, name, as_of) for name in [*names, *extra]]
    definition = reports[0].definition if reports else data.definition.to_dict()
    return PredictabilityHistory(as_of, definition, reports)
