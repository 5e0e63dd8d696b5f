"""SAFe's PI predictability measure, per team and for the ART, with partial scoring.

planned_bv counts committed objectives only, actual_bv every objective, so uncommitted work
delivered can lift a team above 100%. While some objectives are unscored the figure covers
the scored ones and says so (complete, scored, objectives); with no committed objective scored
it is null, never 0. The ART figure is the ratio of sums, not a mean of team percentages.

Mid-PI the headline says how much is known: ``state`` (not_started, in_progress, finished, from
the PI's dates and as_of's day in the ART's time zone), scored of objectives, and beside the
actual-so-far figure where the PI is heading: the PI outlook's figures (metrics.outlook:
``projected_pct`` its median, ``projected_pct_85``, ``chance_in_band_pct``, ``unprojectable``)
and the business value earned so far (``earned_pct``). A PI that has not started, or a set with
no objectives, is never ``complete``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from art.vocabulary import StatusCategory
from metrics.inputs import ArtData, Objective, PISpan
from metrics.outlook import Figures, Outlook, outlook_report
from metrics.output import band, iso, num, objective_fields, r4
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
    outlook: Figures | None = None  # while the PI runs

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
            projected_pct_85=r4(self.outlook.projected_pct_85) if self.outlook else None,
            chance_in_band_pct=r4(self.outlook.chance_in_band_pct) if self.outlook else None,
            unprojectable=self.outlook.unprojectable if self.outlook else None,
        )
        return out

    @property
    def projected_pct(self) -> float | None:
        """The PI outlook's median while the PI runs, else None."""
        return None if self.outlook is None else self.outlook.projected_pct


def score(
    objectives: Sequence[Objective],
    team: str | None = None,
    earned: dict[int | str, float] | None = None,
    state: PIState | None = None,
    outlook: Figures | None = None,
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
        outlook,
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
    outlook: Outlook | None = None

    def to_dict(self) -> dict[str, Any]:
        ahead = {o.objective.id: o for o in self.outlook.objectives} if self.outlook else {}
        return {
            "pi": self.pi,
            "as_of": iso(self.as_of),
            "state": self.state,
            "definition": self.definition,
            "art": self.art.to_dict(),
            "teams": [t.to_dict() for t in self.teams],
            "objectives": [
                {
                    **objective_fields(o),
                    "earned_bv": r4(self.earned_bv.get(o.id)),
                    "projected_bv": r4(ahead[o.id].projected_bv) if o.id in ahead else None,
                    "chance_complete_pct": (
                        r4(ahead[o.id].chance_complete_pct) if o.id in ahead else None
                    ),
                    "items": list(o.items),
                }
                for o in self.objectives
            ],
        }


def predictability_report(
    data: ArtData, pi: str, as_of: datetime, seed: int | None = None
) -> PredictabilityReport:
    """Per team and for the ART for one PI; ``earned_pct`` and the outlook (its ``seed``, else
    the one derived from the data) only while the PI runs."""
    objs = [o for o in data.objectives if o.pi == pi]
    order = {t: k for k, t in enumerate(data.team_names)}
    objs.sort(key=lambda o: (order.get(o.team or "", len(order)), str(o.id)))
    state = pi_state(data.pi_by_name.get(pi), local_date(as_of, data.definition.tz))
    running = state == "in_progress"
    earned = _earned(data, objs, as_of) if running else None
    ahead = outlook_report(data, pi, as_of, seed) if running else None
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
        "projected": "the PI outlook's median, while the PI runs (GET .../outlook)",
        "projected_pct_85": "the outlook's 15th percentile: reached or beaten in 85% of trials",
        "chance_in_band_pct": "share of the outlook's trials at 80 or above",
    }
    if ahead is not None:
        definition["outlook_seed"] = ahead.seed
    return PredictabilityReport(
        pi,
        as_of,
        definition,
        score(objs, None, earned, state, ahead.art if ahead else None),
        [score([o for o in objs if o.team == t], t, earned, state, _team(ahead, t)) for t in teams],
        objs,
        earned or {},
        state,
        ahead,
    )


def _team(ahead: Outlook | None, team: str) -> Figures | None:
    got = ahead.team(team) if ahead is not None else None
    return got.figures if got is not None else None


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
