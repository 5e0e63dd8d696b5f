"""Flow reports (docs/api.md "Reports"): the six flow metrics, cycle time, throughput, CFD, WIP,
aging, the Monte Carlo forecast and data quality, over HTTP.

A thin adapter: the query is parsed (app.reports.params), the body comes from the report
service (app.reports.bodies_flow, the same call the charts make, hence the same cache entry),
and it is rendered as JSON or CSV with an ETag. CSV rows are the report's ``data`` list; the
flow report, which has none, answers one row of its headline figures and the forecast one row
of its answer.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.api_models.flow import (
    AgingOut,
    CfdOut,
    CycleTimeOut,
    DataQualityOut,
    FlowOut,
    ForecastOut,
    ThroughputOut,
    WipOut,
)
from app.deps import ReadScope
from app.render import report_response
from app.reports.bodies_flow import (
    CfdBands,
    Interval,
    aging_body,
    cfd_body,
    cycle_time_body,
    data_quality_body,
    flow_body,
    forecast_body,
    throughput_body,
    wip_body,
)
from app.reports.params import (
    Ctx,
    FlowQ,
    FormatQuery,
    LevelQuery,
    TeamQuery,
    UnitQuery,
    csv_columns,
    report_responses,
)
from art.vocabulary import WorkType

router = APIRouter(prefix="/api/v1/arts/{art}", tags=["reports: flow"], dependencies=[ReadScope])

IntervalQuery = Annotated[
    Interval, Query(description="`day`, `week` (ISO, labelled by Monday) or `iteration`")
]
ByQuery = Annotated[
    CfdBands,
    Query(description="one band per status category, or per status in workflow order"),
]

_TYPES = [w.value for w in WorkType]
_STATS = ["count", "mean", "p50", "p85", "p95", "max"]
FLOW_COLUMNS = [
    *csv_columns("from to level team unit as_of velocity.items velocity.points"),
    *[f"velocity.by_work_type.{w}" for w in _TYPES],
    *[f"time.{s}" for s in _STATS],
    *[f"lead_time.{s}" for s in _STATS],
    *csv_columns("load.now efficiency_pct"),
    *[f"distribution_pct.{w}" for w in _TYPES],
    *[f"wip_distribution_pct.{w}" for w in _TYPES],
    *[f"predictability.{k}" for k in ("pi", "predictability_pct", "complete", "projected_pct")],
    *csv_columns("predictability.state predictability.earned_pct efficiency_note"),
]
CYCLE_TIME_COLUMNS = csv_columns(
    "key team level work_type started_at done_at flow_time_days flow_time_calendar_days"
    " active_days wait_days lead_time_days efficiency_pct url display_key"
)
WIP_COLUMNS = csv_columns(
    "key title team work_type status status_category started_at age_days url display_key"
)
AGING_COLUMNS = csv_columns(
    "key title team level work_type status status_category started_at age_days"
    " percentile_rank over_p85 url display_key"
)
FORECAST_COLUMNS = csv_columns(
    "as_of level team seed trials sample_days start_date items when.p50 when.p85 when.p95"
    " date how_many.p50 how_many.p85 how_many.p95"
)
THROUGHPUT_COLUMNS = ["period", "items", "points"]
QUALITY_COLUMNS = ["kind", "subject", "detail", "at"]


def _with_zeros(values: dict[str, Any]) -> dict[str, Any]:
    """Every work type as a column: a type with no items is 0, not a blank cell."""
    return {w: values.get(w, 0) for w in _TYPES} if values else values


def flow_csv_row(body: dict[str, Any]) -> dict[str, Any]:
    return {
        **body,
        "velocity": {
            **body["velocity"],
            "by_work_type": _with_zeros(body["velocity"]["by_work_type"]),
        },
        "distribution_pct": _with_zeros(body["distribution_pct"]),
        "wip_distribution_pct": _with_zeros(body["wip_distribution_pct"]),
    }


@router.get(
    "/flow",
    response_model=FlowOut,
    responses=report_responses("one row of the headline figures", FLOW_COLUMNS),
)
def flow(
    request: Request,
    ctx: Ctx,
    q: FlowQ,
    unit: UnitQuery = "days",
    interval: IntervalQuery = "week",
    format: FormatQuery = None,
) -> Response:
    """SAFe's six flow metrics for the items done in [from, to): velocity (with a series by
    `interval`), time, load per day, efficiency, distribution and the PI's predictability.

    Defaults: the window is the 90 days ending with as_of's day; the level is feature for the
    ART and story for a team (`level=` overrides); as_of is now, to the minute. The load per
    day and the velocity series are in the JSON only; `/wip` and `/throughput` list them as CSV.
    """
    body = flow_body(ctx, q, unit, interval)
    return report_response(request, body, [flow_csv_row(body)], FLOW_COLUMNS)


@router.get(
    "/cycle-time",
    response_model=CycleTimeOut,
    responses=report_responses("one row per item done in the window", CYCLE_TIME_COLUMNS),
)
def cycle_time(
    request: Request, ctx: Ctx, q: FlowQ, unit: UnitQuery = "days", format: FormatQuery = None
) -> Response:
    """One row per item done in the window (flow, active, wait and lead time) and the flow
    time statistics (count, mean, p50, p85, p95, max) in `unit`. Defaults as for `/flow`."""
    body = cycle_time_body(ctx, q, unit)
    return report_response(request, body, body["data"], CYCLE_TIME_COLUMNS)


@router.get(
    "/throughput",
    response_model=ThroughputOut,
    responses=report_responses(
        "one row per bucket (`interval=iteration` adds an `iteration` column after `period`)",
        THROUGHPUT_COLUMNS,
    ),
)
def throughput(
    request: Request,
    ctx: Ctx,
    q: FlowQ,
    interval: IntervalQuery = "week",
    format: FormatQuery = None,
) -> Response:
    """Items done (and their points) per day, ISO week (labelled by its Monday) or iteration,
    zero buckets included, up to as_of's day. Default interval: week; window as for `/flow`."""
    body = throughput_body(ctx, q, interval)
    columns = THROUGHPUT_COLUMNS
    if interval == "iteration":
        columns = ["period", "iteration", "items", "points"]
    return report_response(request, body, body["data"], columns)


@router.get(
    "/cfd",
    response_model=CfdOut,
    responses=report_responses(
        "one row per day, a column per band (`date`, then `categories` in workflow order)"
    ),
)
def cfd(
    request: Request, ctx: Ctx, q: FlowQ, by: ByQuery = "category", format: FormatQuery = None
) -> Response:
    """Cumulative flow: items per status category (or per status with `by=status`) at the end
    of each complete day of the window; not yet created and removed items left out.
    Defaults as for `/flow`."""
    body = cfd_body(ctx, q, by)
    return report_response(request, body, body["data"], ["date", *body["categories"]])


@router.get(
    "/wip",
    response_model=WipOut,
    responses=report_responses("one row per item in progress at as_of", WIP_COLUMNS),
)
def wip(request: Request, ctx: Ctx, q: FlowQ, format: FormatQuery = None) -> Response:
    """Work in progress: the flow load at the end of each day of the window and now, with
    the items in progress at as_of and their age. Defaults as for `/flow`."""
    body = wip_body(ctx, q)
    return report_response(request, body, body["data"], WIP_COLUMNS)


@router.get(
    "/aging",
    response_model=AgingOut,
    responses=report_responses("one row per item in progress, oldest first", AGING_COLUMNS),
)
def aging(
    request: Request,
    ctx: Ctx,
    team: TeamQuery = None,
    level: LevelQuery = None,
    window_days: Annotated[
        int, Query(ge=1, le=3660, description="days of done items the ages are ranked against")
    ] = 90,
    unit: UnitQuery = "days",
    format: FormatQuery = None,
) -> Response:
    """Aging WIP: each item in progress at as_of with its age, ranked against the flow times of
    the items done in the `window_days` (default 90) days before as_of; `unit=calendar_days`
    gives ages and flow times in whole calendar days, as `flow_time_calendar_days`."""
    body = aging_body(ctx, ctx.team(team), level, window_days, unit)
    return report_response(request, body, body["data"], AGING_COLUMNS)


@router.get(
    "/forecast",
    response_model=ForecastOut,
    responses=report_responses("one row of the answer", FORECAST_COLUMNS),
)
def forecast(
    request: Request,
    ctx: Ctx,
    items: Annotated[
        int | None, Query(ge=1, le=100_000, description="when will this many items be done")
    ] = None,
    target_date: Annotated[
        date | None, Query(alias="date", description="how many items by the end of this day")
    ] = None,
    seed: Annotated[
        int | None,
        Query(ge=0, le=2**32 - 1, description="random seed; default derived from the request"),
    ] = None,
    team: TeamQuery = None,
    level: LevelQuery = None,
    format: FormatQuery = None,
) -> Response:
    """Monte Carlo forecast from the daily throughput of the 90 complete days before as_of,
    10,000 trials: `items=N` gives the dates at p50/p85/p95, `date=YYYY-MM-DD` the number done
    with 50/85/95% confidence. Give at most one of the two; with neither, the question is how
    many by the end of the current PI (the one containing as_of's day; 404 when none does).

    Without `seed`, the seed is derived from the request (ART, as_of, items, date, team, level;
    with as_of left to default, the ART's data version instead of the time) and returned, so
    the same request on the same data always gives the same answer.
    """
    body = forecast_body(ctx, items, target_date, seed, team, level)
    return report_response(request, body, [body], FORECAST_COLUMNS)


@router.get(
    "/data-quality",
    response_model=DataQualityOut,
    responses=report_responses("one row per finding", QUALITY_COLUMNS),
)
def data_quality(request: Request, ctx: Ctx, format: FormatQuery = None) -> Response:
    """What makes the figures untrustworthy at as_of (docs/metrics.md "Data quality"): one finding
    per row, each naming the item, objective, status or link and why it matters, with a
    `summary` count per kind."""
    body = data_quality_body(ctx)
    return report_response(request, body, body["data"], QUALITY_COLUMNS)
