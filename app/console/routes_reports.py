"""The ART pages beyond the PI: predictability, flow, velocity and baseline, data quality,
and one item's page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.console.board import status_word
from app.console.pages import ConsoleRoute, Ctx, User, api_url, data_links, page
from app.console.svg import inline_chart
from app.reports.bodies_flow import (
    aging_body,
    cfd_body,
    cycle_time_body,
    data_quality_body,
    flow_body,
    throughput_body,
    wip_body,
)
from app.reports.bodies_pi import (
    baseline_body,
    dependencies_body,
    predictability_body,
    predictability_history_body,
    velocity_body,
)
from app.reports.context import FlowQuery, ReportContext
from art.errors import BadRequest, NotFound
from art.vocabulary import Level

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
# A link as read from the item's side: (kind, this item is its "from" end) -> words
RELATIONS = {
    ("blocks", True): "blocks",
    ("blocks", False): "is blocked by",
    ("depends-on", True): "depends on",
    ("depends-on", False): "is needed by",
}
Text = Annotated[str | None, Query()]


def _date(value: str | None, parameter: str) -> date | None:
    """A date of the window picker; an empty field is the default."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{parameter} '{value}' is not a date (YYYY-MM-DD)") from None


def _level(value: str | None) -> Level | None:
    if not value:
        return None
    try:
        return Level(value)
    except ValueError:
        known = ", ".join(lv.value for lv in Level)
        raise BadRequest(f"level '{value}' is not one of {known}") from None


def _pi_or_current(ctx: ReportContext, pi: str | None) -> str | None:
    return ctx.pi(pi, parameter="pi") if pi else ctx.current_pi()


@router.get("/arts/{art}/predictability")
def predictability(request: Request, ctx: Ctx, user: User, pi: Text = None) -> Response:
    """Predictability per team and for the ART across PIs, with the 80-100% band, and the
    objectives of one PI (default: the current one) with planned and actual business value;
    while that PI runs, its outlook per team and objective (projected BV, chance complete)."""
    history = predictability_history_body(ctx)
    name = _pi_or_current(ctx, pi)
    values: dict[str, Any] = {
        "ctx": ctx,
        "user": user,
        "pi": name,
        "pis": [p["pi"] for p in history["data"]],
        "history": history,
        "chart": inline_chart(
            "predictability", history, f"PI predictability: {ctx.art}, all teams, every PI"
        ),
        "links": data_links("/predictability", ctx),
    }
    if name is not None:
        values["one"] = predictability_body(ctx, name)
        values["one_links"] = data_links(f"/pis/{name}/predictability", ctx)
        values["outlook_links"] = data_links(f"/pis/{name}/outlook", ctx)
    return page(request, "predictability.html", values)


@router.get("/arts/{art}/flow")
def flow(
    request: Request,
    ctx: Ctx,
    user: User,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Text = None,
    team: Text = None,
    level: Text = None,
) -> Response:
    """CFD, cycle time with percentiles, aging WIP, throughput, WIP, flow efficiency and
    distribution, for a window, a level and a team."""
    window = ctx.window(_date(from_, "from"), _date(to, "to"))
    q = FlowQuery(window, ctx.team(team or None), _level(level))
    body = flow_body(ctx, q, "days", "week")
    aging = aging_body(ctx, q.team, q.level, 90, "days")
    facts = ctx.data.by_key
    aging_title = (
        f"Aging WIP: {ctx.art}, {q.team or 'all teams'}, as of {ctx.as_of:%Y-%m-%d %H:%M} UTC"
    )
    level_name = q.level.value if q.level else None
    params: dict[str, str | None] = {"from": window.start.isoformat(), "to": window.end.isoformat()}
    params |= {"team": q.team, "level": level_name}
    values = {
        "ctx": ctx,
        "user": user,
        "q": q,
        "levels": [lv.value for lv in Level if lv is not Level.OBJECTIVE],
        "teams": ctx.data.team_names,
        "body": body,
        "wip": wip_body(ctx, q),
        "aging": aging,
        "flagged": {
            r["key"] for r in aging["data"] if r["key"] in facts and facts[r["key"]].flagged
        },
        "charts": {
            "cfd": inline_chart(
                "cfd", cfd_body(ctx, q, "category"), q.title(ctx, "Cumulative flow")
            ),
            "cycle": inline_chart(
                "cycle-time", cycle_time_body(ctx, q, "days"), q.title(ctx, "Cycle time")
            ),
            "aging": inline_chart("aging", aging, aging_title),
            "throughput": inline_chart(
                "throughput", throughput_body(ctx, q, "week"), q.title(ctx, "Throughput per week")
            ),
        },
        "links": data_links("/flow", ctx, **params),
        "aging_links": data_links("/aging", ctx, team=q.team, level=level_name),
    }
    return page(request, "flow.html", values)


@router.get("/arts/{art}/velocity")
def velocity(
    request: Request, ctx: Ctx, user: User, pi: Text = None, team: Text = None
) -> Response:
    """Committed, completed, added, carried over and say/do per team and iteration, and the
    PI's plan baseline against today."""
    name = _pi_or_current(ctx, pi)
    who = ctx.team(team or None)
    values: dict[str, Any] = {
        "ctx": ctx,
        "user": user,
        "pi": name,
        "team": who,
        "pis": [p.name for p in sorted(ctx.data.pis, key=lambda p: p.start)],
        "teams": ctx.data.team_names,
        "velocity": velocity_body(ctx, who, name),
        "links": data_links("/velocity", ctx, pi=name, team=who),
    }
    if name is not None:
        values["baseline"] = baseline_body(ctx, name)
        values["baseline_links"] = data_links(f"/pis/{name}/baseline", ctx)
    return page(request, "velocity.html", values)


@router.get("/arts/{art}/data-quality")
def data_quality(request: Request, ctx: Ctx, user: User) -> Response:
    """What makes the figures untrustworthy, each finding linked to its item."""
    values = {
        "ctx": ctx,
        "user": user,
        "body": data_quality_body(ctx),
        "items": ctx.data.by_key,
        "links": data_links("/data-quality", ctx),
    }
    return page(request, "quality.html", values)


@router.get("/arts/{art}/items/{key}")
def item(request: Request, ctx: Ctx, user: User, key: str) -> Response:
    """One item: what it is now, its status, iteration and points history as a timeline, its
    links with their dependency status, and its tracker link."""
    facts = ctx.data.by_key.get(key)
    if facts is None:
        raise NotFound(f"no item '{key}' in {ctx.art}")
    data = ctx.data
    changes = sorted(data.changes_by_item.get(key, []), key=lambda c: (c.at, c.seq))
    timeline = [
        {
            "at": c.at,
            "field": c.field.value,
            "from": data.iteration_label(c.from_value)
            if c.field.value == "iteration"
            else c.from_value,
            "to": data.iteration_label(c.to_value) if c.field.value == "iteration" else c.to_value,
        }
        for c in changes
    ]
    span = data.iteration_by_key.get(facts.iteration or "")
    pi = facts.pi or (span.pi if span is not None else None)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    if pi is not None and pi in data.pi_by_name:
        for d in dependencies_body(ctx, pi)["data"]:
            found[(d["provider"]["key"], d["consumer"]["key"])] = d
    item_links = []
    for link in data.links:
        if key not in (link.from_key, link.to_key):
            continue
        other = link.to_key if link.from_key == key else link.from_key
        dep = found.get((link.from_key, link.to_key)) or found.get((link.to_key, link.from_key))
        item_links.append(
            {
                "relation": RELATIONS.get(
                    (link.kind.value, link.from_key == key), link.kind.value.replace("-", " ")
                ),
                "other": other,
                "known": other in data.by_key,
                "dependency": dep,
            }
        )
    values = {
        "ctx": ctx,
        "user": user,
        "item": facts,
        "iteration": data.iteration_label(facts.iteration),
        "pi": pi,
        "timeline": timeline,
        "item_links": item_links,
        "word": status_word,
        "links": {
            "json": api_url("/items", None, key=key, art=ctx.art),
            "csv": api_url("/items", None, key=key, art=ctx.art, format="csv"),
        },
    }
    return page(request, "item.html", values)
