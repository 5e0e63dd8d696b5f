"""The assistant's tools: each answers from the report service's bodies (app.reports), the
very figures the API serves, and computes none of its own.

Every answer carries ``as_of`` and the ``definition`` the figures were computed with, and each
item in it its tracker ``url`` and ``display_key`` (the bodies add them). Errors an assistant
can act on (an unknown ART, team or PI, a bad date) come back as tool errors naming what is
wrong, so it can ask the user.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import wraps
from typing import Annotated, Any, Literal, ParamSpec, Protocol

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from app.reports.bodies_bottlenecks import bottlenecks_body
from app.reports.bodies_flow import aging_body, data_quality_body, forecast_body
from app.reports.bodies_items import changes_body, item_body
from app.reports.bodies_pi import dependencies_body, predictability_body
from app.reports.context import WINDOW_DAYS, FlowQuery, ReportContext
from app.reports.params import report_context
from app.state import AppState
from art import planning_queries as pq
from art import structure_queries as sq
from art.errors import TrainyardError
from art.vocabulary import Level

P = ParamSpec("P")

ASK_ART = (
    " If the user has not said which ART, call list_arts and ask which one they mean; never guess."
)
ASK_PI = " Without a PI, the current one (running on as_of's day) is used; ask if in doubt."
CITE = (
    " Quote as_of with the figures, explain them with `definition`, and link items with their "
    "`url`."
)

Art = Annotated[str, Field(description="the ART's name, as list_arts gives it")]
AsOf = Annotated[
    datetime | None,
    Field(description="ISO 8601 time with a UTC offset the figures are computed at; default now"),
]
Team = Annotated[str | None, Field(description="one team of the ART; default: the whole ART")]
LevelArg = Annotated[
    Level | None,
    Field(
        description="item level (story, feature...); default feature for the ART, story for a team"
    ),
]
Pi = Annotated[str | None, Field(description="PI name; default: the current PI")]
DependencyStatus = Literal["resolved", "on_track", "at_risk", "conflict", "late", "removed"]
LIMIT = 100  # rows per list in an answer; the rest is counted, so nothing is silently lost


def _listed(rows: list[dict[str, Any]], limit: int = LIMIT) -> dict[str, Any]:
    """A list cut at ``limit`` rows, saying how many there were."""
    return {"total": len(rows), "shown": min(len(rows), limit), "data": rows[:limit]}


def answers(fn: Callable[P, dict[str, Any]]) -> Callable[P, dict[str, Any]]:
    """Trainyard's errors (unknown ART, team, PI; bad dates) as tool errors in their words."""

    @wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except TrainyardError as exc:
            raise ToolError(str(exc)) from exc

    return call


OUTLOOK_MEANING = (
    "while the PI runs, the PI outlook replays each team's story throughput of the last 90 "
    "days for the days left in the PI, 10,000 trials, against the work left on its "
    "objectives: projected_pct is the median trial's predictability, projected_pct_85 the "
    "figure 85% of the trials reach or beat, chance_in_band_pct the share of trials at 80% "
    "or more, unprojectable the objectives neither scored nor linked to work (left out); per "
    "objective projected_bv (median) and chance_complete_pct (share of trials in which all "
    "its work is done); all null before and after the PI"
)
AT_RISK_MEANING = (
    "committed objectives not scored yet whose chance_complete_pct is below 50, or whose "
    "projected_bv is below planned_bv, or that cannot be projected (no linked work: no "
    "projected_bv and no chance); ranked by chance_complete_pct, lowest first, those with no "
    "chance first, then by planned_bv, highest first; `why` says which rule caught each"
)
AT_RISK_CHANCE = 50.0  # below this chance of completion, a committed objective is at risk


def _why_at_risk(o: dict[str, Any]) -> str | None:
    """Why a committed objective not scored yet is at risk (AT_RISK_MEANING), or None."""
    chance, projected, planned = o["chance_complete_pct"], o["projected_bv"], o["planned_bv"]
    reasons = []
    if projected is None:
        reasons.append("it cannot be projected: no work is linked to it")
    if chance is not None and chance < AT_RISK_CHANCE:
        reasons.append(f"its chance of completion is {chance}%, below {AT_RISK_CHANCE:.0f}%")
    if projected is not None and planned is not None and projected < planned:
        reasons.append(f"its projected BV {projected} is below the planned {planned}")
    return "; ".join(reasons) or None


def objectives_at_risk(objectives: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The committed objectives not scored yet that AT_RISK_MEANING names, each with its
    ``why``, in its order (the least likely to complete first)."""
    found = []
    for o in objectives:
        why = _why_at_risk(o) if o["committed"] and o["actual_bv"] is None else None
        if why is not None:
            found.append({**o, "why": why})

    def rank(o: dict[str, Any]) -> tuple[float, float, str]:
        chance = o["chance_complete_pct"]
        return (-1.0 if chance is None else chance, -(o["planned_bv"] or 0), str(o["id"]))

    return sorted(found, key=rank)


class Tools:
    """The tools over the running app's state (known once its lifespan has started)."""

    def __init__(self, state: Callable[[], AppState]) -> None:
        self.state = state

    def ctx(self, art: str, as_of: datetime | None) -> ReportContext:
        """The API's report context: as_of checked, the ART looked up (404 -> tool error)."""
        return report_context(art, self.state().reports, as_of)

    def _pi(self, ctx: ReportContext, pi: str | None) -> str:
        if pi is not None:
            return ctx.pi(pi, parameter="pi")
        current = ctx.current_pi()
        if current is None:
            raise ToolError(f"no PI of {ctx.art} has started by {ctx.today}: name one")
        return current

    @answers
    def list_arts(self) -> dict[str, Any]:
        state = self.state()
        with state.sessions() as session:
            names = [a.name for a in sq.arts(session, 0, 1000)]
        now = datetime.now(UTC)
        arts = []
        for name in names:
            ctx = self.ctx(name, None)
            data = ctx.data
            arts.append(
                {
                    "name": name,
                    "timezone": data.definition.timezone,
                    "teams": data.team_names,
                    "pis": [
                        {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()}
                        for p in sorted(data.pis, key=lambda p: p.start)
                    ],
                    "current_pi": ctx.current_pi(),
                }
            )
        return {
            "as_of": iso(now),
            "definition": {
                "current_pi": "the PI running on today's date in the ART's time zone, else the "
                "last one started"
            },
            "arts": arts,
        }

    @answers
    def pi_overview(self, art: Art, pi: Pi = None, as_of: AsOf = None) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        name = self._pi(ctx, pi)
        body = predictability_body(ctx, name)
        return {
            "art": art,
            "pi": name,
            "as_of": body["as_of"],
            "state": body["state"],
            "definition": {
                **body["definition"],
                "outlook": OUTLOOK_MEANING,
                "objectives_at_risk": AT_RISK_MEANING,
            },
            "predictability": body["art"],
            "teams": body["teams"],
            "objectives_at_risk": objectives_at_risk(body["objectives"]),
        }

    @answers
    def dependencies(
        self,
        art: Art,
        pi: Pi = None,
        status: DependencyStatus | None = None,
        team: Team = None,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        name, who = self._pi(ctx, pi), ctx.team(team)
        body = dependencies_body(ctx, name, status, who)
        return {
            "art": art,
            "pi": name,
            "as_of": body["as_of"],
            "definition": body["definition"],
            "filters": {"status": status, "team": who},
            "dependencies": _listed(body["data"]),
            "cycles": body["cycles"],
        }

    @answers
    def aging_work(
        self, art: Art, team: Team = None, level: LevelArg = None, as_of: AsOf = None
    ) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        who = ctx.team(team)
        aging = aging_body(ctx, who, level, WINDOW_DAYS, "days")
        stuck = bottlenecks_body(ctx, FlowQuery(ctx.window(None, None), who, level))
        return {
            "art": art,
            "team": who,
            "level": aging["level"],
            "as_of": aging["as_of"],
            "definition": {
                "aging": aging["definition"],
                "blocked": stuck["definition"]["blocked"],
                "stalled": stuck["definition"]["stalled"],
            },
            "reference": aging["reference"],
            "over_p85": _listed([r for r in aging["data"] if r["over_p85"]]),
            "blocked": _listed(stuck["blocked"]["items"]),
            "stalled": _listed(stuck["stalled"]),
        }

    @answers
    def bottlenecks(
        self,
        art: Art,
        from_date: Annotated[
            date | None, Field(description="first day of the window; default 90 days before to")
        ] = None,
        to_date: Annotated[
            date | None,
            Field(description="day after the window's last (exclusive); default after as_of's"),
        ] = None,
        team: Team = None,
        level: LevelArg = None,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        q = FlowQuery(ctx.window(from_date, to_date), ctx.team(team), level)
        return {"art": art, **bottlenecks_body(ctx, q)}

    @answers
    def forecast(
        self,
        art: Art,
        items: Annotated[
            int | None, Field(ge=1, le=100_000, description="when will this many items be done")
        ] = None,
        by_date: Annotated[
            date | None, Field(description="how many items will be done by the end of this day")
        ] = None,
        team: Team = None,
        level: LevelArg = None,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        return {"art": art, **forecast_body(ctx, items, by_date, None, team, level)}

    @answers
    def what_changed(
        self,
        art: Art,
        since: Annotated[datetime, Field(description="ISO 8601 time with a UTC offset")],
        pi: Pi = None,
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        name = self._pi(ctx, pi)
        since = since.astimezone(UTC) if since.tzinfo else since.replace(tzinfo=UTC)
        body = changes_body(ctx, since, name)
        state = self.state()
        with state.sessions() as session:
            pi_row = sq.pi_by_name(session, sq.art_by_name(session, art).id, name)
            objectives = [
                {
                    "id": o.id,
                    "team": team,
                    "text": o.text,
                    "committed": o.committed,
                    "planned_bv": o.planned_bv,
                    "actual_bv": o.actual_bv,
                    "updated_at": iso(o.updated_at),
                }
                for o, team, _ in pq.objectives(session, pi_row.id)
                if since < _utc(o.updated_at) <= ctx.as_of
            ]
        return {
            "art": art,
            **body,
            "definition": {
                **body["definition"],
                "objectives_changed": "the PI's objectives Trainyard stored or updated after "
                "since (entered here or synced from a tracker)",
            },
            "status_changes": _listed(body["status_changes"]),
            "objectives_changed": objectives,
        }

    @answers
    def item(
        self,
        art: Art,
        key: Annotated[str, Field(description="the item's key (PHX-12) or display key (#1014)")],
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        return {"art": art, **item_body(self.ctx(art, as_of), key)}

    @answers
    def data_quality(self, art: Art, as_of: AsOf = None) -> dict[str, Any]:
        ctx = self.ctx(art, as_of)
        body = data_quality_body(ctx)
        items = ctx.data.by_key
        findings = [  # a finding about an item links to it, as every item in an answer does
            {**f, **_link(items[f["subject"]])} if f["subject"] in items else f
            for f in body["data"]
        ]
        return {"art": art, **body, "data": _listed(findings)}


class Tracked(Protocol):
    """An item as the report service holds it: its key and its place in its tracker."""

    @property
    def key(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def display_key(self) -> str | None: ...


def _link(item: Tracked) -> dict[str, str | None]:
    """An item's tracker link, as app.reports.item_links gives every item of a body."""
    return {"url": item.url, "display_key": item.display_key or item.key}


def _utc(t: datetime) -> datetime:
    """Stored times come back naive from SQLite; they are UTC."""
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def iso(t: datetime) -> str:
    """As the report bodies write times: ISO 8601 in UTC with its offset."""
    return _utc(t).astimezone(UTC).isoformat()


DESCRIPTIONS: dict[str, str] = {
    "list_arts": "The Agile Release Trains Trainyard knows, with their teams, PIs and current "
    "PI. Call it first when the user has not named an ART, then ask which one.",
    "pi_overview": "A PI at a glance: SAFe PI predictability (actual over planned business "
    "value of the committed objectives, 80-100% is the target band) so far (earned_pct) and, "
    "while the PI runs, its outlook per team and for the ART from a Monte Carlo simulation "
    "of 10,000 trials of each team's recent pace: projected_pct (the median trial), "
    "projected_pct_85 (85% of the trials reach at least this), chance_in_band_pct (the "
    "chance of ending at 80% or more) and unprojectable (objectives with nothing to project "
    "from). objectives_at_risk lists the committed, unscored objectives whose chance of "
    "completion (chance_complete_pct) is below 50% or whose projected BV is below planned, "
    "least likely first." + ASK_ART + ASK_PI + CITE,
    "dependencies": "Cross-team dependencies (blocks / depends-on links) with an end in the PI: "
    "provider, consumer, status (resolved, on_track, at_risk, conflict, late, removed) and the "
    "reason in words; filter by status and team. late: the provider's planned finish has "
    "passed; conflict: it is planned after the consumer needs it." + ASK_ART + ASK_PI + CITE,
    "aging_work": "Work in progress that needs attention: items older than the p85 of recent "
    "flow times (aging), items flagged as blocked now, and items stalled (no status change for "
    "a week)." + ASK_ART + CITE,
    "bottlenecks": "Where delivery gets stuck in a window: time in each status per team (p50, "
    "p85, item-days, share of flow time: the largest shares are the queues), teams whose WIP "
    "rose while throughput did not, blocked items and the flagged share of flow time, and "
    "open dependencies whose provider's Monte Carlo finish (p85) comes after the consumer "
    "needs it, even when the plan says on track." + ASK_ART + CITE,
    "forecast": "Monte Carlo forecast from the daily throughput of the last 90 days: give "
    "items to learn when that many will be done (dates at 50/85/95% confidence), or by_date "
    "to learn how many will be done by then; with neither, how many by the end of the current "
    "PI. The same question on the same data gives the same answer." + ASK_ART + CITE,
    "what_changed": "What changed since a time: status changes, dependencies that turned red "
    "(late or conflict), stories and features added to or removed from the PI, and objectives "
    "changed." + ASK_ART + ASK_PI + CITE,
    "item": "One work item: its status, team, iteration, flow times, full history, children, "
    "dependencies with their status, links and its tracker URL." + ASK_ART + CITE,
    "data_quality": "What makes the figures untrustworthy: unmapped statuses, items done "
    "without a start, backward moves, items without team or PI, unscored objectives and more, "
    "each naming the item and why it matters." + ASK_ART + CITE,
}
