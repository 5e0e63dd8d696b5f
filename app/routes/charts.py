"""Charts of the reports (docs/api.md "Charts"): SVG and PNG of cfd, burnup, predictability,
throughput, cycle-time and aging.

Each chart takes the same query as its report and draws the very body the JSON endpoint
serves (the same ``*_body`` call of the report service, hence the same cache entry), so a
chart can never show a figure the report does not. Titles name the ART, the team and the
window.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.charts.draw import CHARTS, draw_chart
from app.deps import ReadScope
from app.render import etag_for
from app.reports.bodies_flow import aging_body, cfd_body, cycle_time_body, throughput_body
from app.reports.bodies_pi import BurnupUnit, burnup_body, predictability_history_body
from app.reports.cache import LRUCache
from app.reports.params import Ctx, FlowQ, LevelQuery, TeamQuery, UnitQuery
from app.routes.reports_flow import IntervalQuery
from art.errors import BadRequest, NotFound

router = APIRouter(
    prefix="/api/v1/arts/{art}/charts",
    tags=["charts"],
    dependencies=[ReadScope],
    default_response_class=Response,  # images: no JSON body to document
)

MEDIA = {"svg": "image/svg+xml", "png": "image/png"}
# pyplot keeps global state: two threads drawing at once can mix their figures
# rendered bytes by ETag (content-addressed: the body, chart, format and title)
_RENDERED: LRUCache[bytes] = LRUCache(size=64)

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The chart; an `ETag` header is sent",
        "content": {"image/svg+xml": {}, "image/png": {}},
    },
    304: {"description": "Not modified: `If-None-Match` carried the current ETag"},
    401: {"description": "No valid bearer token"},
    404: {"description": "Unknown ART, chart or format (svg and png only)"},
}


def chart_format(fmt: str) -> str:
    """``svg`` or ``png``; any other extension is a resource that does not exist."""
    if fmt not in MEDIA:
        raise NotFound(f"charts come as .svg or .png, not .{fmt}")
    return fmt


Fmt = Annotated[str, Depends(chart_format)]


def _chart(request: Request, name: str, fmt: str, body: dict[str, Any], title: str) -> Response:
    """Render (or answer 304 for) chart ``name`` of ``body``."""
    tag = etag_for({"chart": name, "format": fmt, "title": title, "body": body})
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})

    content = _RENDERED.get_or_compute(tag, lambda: draw_chart(name, body, title, fmt))
    return Response(content, media_type=MEDIA[fmt], headers={"ETag": tag})


@router.get("/cfd.{fmt}", responses=RESPONSES)
def cfd_chart(request: Request, ctx: Ctx, fmt: Fmt, q: FlowQ) -> Response:
    """Cumulative flow diagram of `/cfd` with the same parameters and defaults; the bands are
    the status categories (the chart's colours mean categories on every chart)."""
    body = cfd_body(ctx, q, "category")
    return _chart(request, "cfd", fmt, body, q.title(ctx, "Cumulative flow"))


@router.get("/throughput.{fmt}", responses=RESPONSES)
def throughput_chart(
    request: Request, ctx: Ctx, fmt: Fmt, q: FlowQ, interval: IntervalQuery = "week"
) -> Response:
    """Bars of `/throughput` with the same parameters and defaults."""
    body = throughput_body(ctx, q, interval)
    return _chart(request, "throughput", fmt, body, q.title(ctx, f"Throughput per {interval}"))


@router.get("/cycle-time.{fmt}", responses=RESPONSES)
def cycle_time_chart(
    request: Request, ctx: Ctx, fmt: Fmt, q: FlowQ, unit: UnitQuery = "days"
) -> Response:
    """Scatter of `/cycle-time` (flow time by done date, 50/85/95th percentile lines)."""
    body = cycle_time_body(ctx, q, unit)
    return _chart(request, "cycle-time", fmt, body, q.title(ctx, "Cycle time"))


@router.get("/aging.{fmt}", responses=RESPONSES)
def aging_chart(
    request: Request,
    ctx: Ctx,
    fmt: Fmt,
    team: TeamQuery = None,
    level: LevelQuery = None,
    window_days: Annotated[int, Query(ge=1, le=3660)] = 90,
    unit: UnitQuery = "days",
) -> Response:
    """Aging WIP of `/aging`: items in progress by status, with the reference percentiles."""
    who = ctx.team(team)
    body = aging_body(ctx, who, level, window_days, unit)
    title = f"Aging WIP: {ctx.art}, {who or 'all teams'}, as of {ctx.as_of:%Y-%m-%d %H:%M} UTC"
    return _chart(request, "aging", fmt, body, title)


@router.get("/burnup.{fmt}", responses=RESPONSES)
def burnup_chart(
    request: Request,
    ctx: Ctx,
    fmt: Fmt,
    pi: Annotated[
        str | None, Query(description="default: the PI running at as_of, else the last one")
    ] = None,
    team: TeamQuery = None,
    unit: Annotated[BurnupUnit, Query()] = "points",
) -> Response:
    """Burn-up of `/pis/{pi}/burnup`: scope and done per day of the PI up to as_of, on an axis
    to the PI's end, with the ideal line (nothing done at the start, today's scope at the end)."""
    name = ctx.pi(pi, parameter="pi") if pi is not None else ctx.current_pi()
    if name is None:
        raise BadRequest("no PI has started by as_of; name one with pi=", parameter="pi")
    who = ctx.team(team)
    span = ctx.data.pi_by_name[name]
    # the PI's own dates: the axis runs to its end (the ideal line too), and a title built
    # from "yesterday" ended before the start of a PI that had not begun
    title = f"Burn-up: {ctx.art}, {who or 'all teams'}, {name} ({span.start} to {span.end})"
    body = burnup_body(ctx, name, who, unit)
    drawn = {**body, "pi_start": span.start.isoformat(), "pi_end": span.end.isoformat()}
    return _chart(request, "burnup", fmt, drawn, title)


@router.get("/predictability.{fmt}", responses=RESPONSES)
def predictability_chart(request: Request, ctx: Ctx, fmt: Fmt) -> Response:
    """PI predictability of `/predictability` for every PI: a bar per team, the ART's line."""
    title = f"PI predictability: {ctx.art}, all teams, every PI"
    return _chart(request, "predictability", fmt, predictability_history_body(ctx), title)


@router.get("/{name}.{fmt}", responses=RESPONSES, include_in_schema=False)
def unknown_chart(ctx: Ctx, name: str, fmt: str) -> Response:
    """Any other name: 404 naming the charts there are."""
    raise NotFound(f"no chart named '{name}' (charts: {', '.join(CHARTS)})")
