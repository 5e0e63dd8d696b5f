"""PI reports (docs/api.md "Reports"): predictability, dependencies, the program board, the plan
baseline, burn-up and velocity, over HTTP; and the admin route that freezes a baseline.

A thin adapter, as reports_flow: parse (app.reports.params), ask the report service for the
body (app.reports.bodies_pi), render JSON or CSV with an ETag. CSV rows are the natural list
of each report: predictability one row per team plus one for the ART; the outlook one row per
objective and one per feature (``kind``); dependencies their
rows with both ends flattened (``provider.key``); the program board one row per feature card;
the baseline one row per feature planned or added, its story scope one row per story (a
paged list of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from app.api_models.outlook import OutlookOut
from app.api_models.pi import (
    BaselineOut,
    BaselineScopeOut,
    BurnupOut,
    DependenciesOut,
    PredictabilityHistoryOut,
    PredictabilityOut,
    ProgramBoardOut,
    VelocityOut,
)
from app.deps import AdminScope, ReadScope
from app.render import page_link, report_response
from app.reports.bodies_pi import (
    BurnupUnit,
    DependencyStatus,
    baseline_body,
    baseline_scope_body,
    burnup_body,
    dependencies_body,
    outlook_body,
    predictability_body,
    predictability_history_body,
    program_board_body,
    velocity_body,
)
from app.reports.params import (
    Ctx,
    FormatQuery,
    PageQ,
    TeamQuery,
    csv_columns,
    report_responses,
)

router = APIRouter(prefix="/api/v1/arts/{art}", tags=["reports: PI"], dependencies=[ReadScope])
admin_router = APIRouter(
    prefix="/api/v1/arts/{art}", tags=["reports: PI (admin)"], dependencies=[AdminScope]
)

PREDICTABILITY_COLUMNS = csv_columns(
    "pi scope team planned_bv actual_bv predictability_pct band complete scored objectives"
    " projected_pct state earned_pct projected_pct_85 chance_in_band_pct unprojectable"
)
OUTLOOK_COLUMNS = csv_columns(
    "kind team id text committed planned_bv actual_bv total_work remaining_work projected_bv"
    " chance_complete_pct key title queue position remaining_stories"
    " chance_done_by_pi_end_pct url display_key"
)
_END = ["key", "title", "team", "iteration", "art", "status_category"]
DEPENDENCY_COLUMNS = [
    *[f"provider.{c}" for c in _END],
    *[f"consumer.{c}" for c in _END],
    "cross_team",
    "cross_art",
    "status",
    "upstream",
    "planned_by",
    "needed_by",
    "reason",
    "in_cycle",
    *[f"{end}.{c}" for end in ("provider", "consumer") for c in ("url", "display_key")],
]
BOARD_COLUMNS = [
    *("team", "iteration", "key", "title", "status", "status_category", "work_type"),
    *("url", "display_key"),
]
BASELINE_COLUMNS = csv_columns(
    "key change done baseline.team baseline.iteration now.team now.iteration"
    " baseline.iteration_key now.iteration_key url display_key"
)
BASELINE_SCOPE_COLUMNS = csv_columns("key change baseline_points now_points url display_key")
BURNUP_COLUMNS = ["date", "scope", "done"]
VELOCITY_COLUMNS = csv_columns(
    "team iteration pi start end committed_points completed_points added_points"
    " carried_over_points say_do_pct committed_items completed_items iteration_keys"
)


def predictability_rows(pis: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per PI: one row per team, then the ART's row (``scope`` tells them apart)."""
    rows: list[dict[str, Any]] = []
    for p in pis:
        rows += [{"pi": p["pi"], "scope": "team", **t} for t in p["teams"]]
        rows.append({"pi": p["pi"], "scope": "art", "team": None, **p["art"]})
    return rows


def _paged(request: Request, paged: dict[str, Any], columns: Sequence[str]) -> Response:
    """A page of a paged report (PageQuery.of), with its Link header."""
    response = report_response(request, paged, paged["data"], columns)
    response.headers.update(page_link(request, paged["next_cursor"]))
    return response


@router.get(
    "/pis/{pi}/predictability",
    response_model=PredictabilityOut,
    responses=report_responses("one row per team, then the ART", PREDICTABILITY_COLUMNS),
)
def predictability(request: Request, ctx: Ctx, pi: str, format: FormatQuery = None) -> Response:
    """SAFe's PI predictability per team and for the ART (ratio of the sums): planned and
    actual business value, `predictability_pct`, its band (80-100 is within), the objectives,
    the PI's `state`; while the PI runs, where it is heading (the PI outlook: `projected_pct`
    its median, `projected_pct_85`, `chance_in_band_pct`, `unprojectable`; per objective
    `projected_bv` and `chance_complete_pct`) and `earned_pct`, the business value earned so
    far. Unscored objectives, or a PI not started, make it `complete: false`."""
    body = predictability_body(ctx, ctx.pi(pi))
    return report_response(request, body, predictability_rows([body]), PREDICTABILITY_COLUMNS)


@router.get(
    "/predictability",
    response_model=PredictabilityHistoryOut,
    responses=report_responses("per PI, one row per team then the ART", PREDICTABILITY_COLUMNS),
)
def predictability_trend(request: Request, ctx: Ctx, format: FormatQuery = None) -> Response:
    """The PI predictability figures of every PI, oldest first, for the trend."""
    body = predictability_history_body(ctx)
    return report_response(request, body, predictability_rows(body["data"]), PREDICTABILITY_COLUMNS)


def outlook_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per objective, then one per feature; ``kind`` tells them apart."""
    return [
        *({"kind": "objective", **o} for o in body["objectives"]),
        *({"kind": "feature", **f} for f in body["features"]),
    ]


SeedQuery = Annotated[
    int | None,
    Query(ge=0, le=2**32 - 1, description="random seed; default derived from the data"),
]


@router.get(
    "/pis/{pi}/outlook",
    response_model=OutlookOut,
    responses=report_responses(
        "one row per objective, then one per feature (`kind`)", OUTLOOK_COLUMNS
    ),
)
def outlook(
    request: Request, ctx: Ctx, pi: str, seed: SeedQuery = None, format: FormatQuery = None
) -> Response:
    """Where the PI will land: each team's story throughput of the last 90 days, sampled for
    every day left in the PI (10,000 trials), fills its objectives' remaining work (committed
    first) and its features' queue. Per team and for the ART `projected_pct` (the median),
    `projected_pct_85`, `chance_in_band_pct` (at 80 or above) and `unprojectable`; per
    objective `chance_complete_pct`; per feature `chance_done_by_pi_end_pct`; the `seed` and
    the `throughput_samples` used. `pi` may be `current`. Without `seed`, one is derived from
    the data, so the answer stays the same until the data changes (and matches the
    predictability report's `projected_pct`)."""
    body = outlook_body(ctx, ctx.pi(pi), seed)
    return report_response(request, body, outlook_rows(body), OUTLOOK_COLUMNS)


@router.get(
    "/pis/{pi}/dependencies",
    response_model=DependenciesOut,
    responses=report_responses("one row per dependency of the page", DEPENDENCY_COLUMNS),
)
def dependencies(
    request: Request,
    ctx: Ctx,
    pi: str,
    page: PageQ,
    status: Annotated[DependencyStatus | None, Query(description="keep this status only")] = None,
    team: TeamQuery = None,
    cross_team: Annotated[
        bool, Query(description="true: only dependencies between different teams")
    ] = False,
    format: FormatQuery = None,
) -> Response:
    """Dependencies with an end in the PI: provider and consumer (key, title, team, iteration),
    `status` at as_of (resolved / on_track / at_risk / conflict / late / removed) with its
    `reason` in words, and the dependency `cycles`. Paged (`limit`, default 100; `cursor`);
    `team` keeps those where either end is the team's."""
    name, who = ctx.pi(pi), ctx.team(team)
    body = dependencies_body(ctx, name, status, who, cross_team)
    return _paged(request, page.of(body), DEPENDENCY_COLUMNS)


@router.get(
    "/pis/{pi}/program-board",
    response_model=ProgramBoardOut,
    responses=report_responses("one row per feature card", BOARD_COLUMNS),
)
def board(request: Request, ctx: Ctx, pi: str, format: FormatQuery = None) -> Response:
    """The program board at as_of: teams x iterations with the features planned in each cell
    (an `unplanned` column for features in the PI without an iteration), the PI's milestones,
    and the dependency edges between cells with their status."""
    body = program_board_body(ctx, ctx.pi(pi))
    rows = [
        {"team": t["team"], "iteration": cell["iteration"], **card}
        for t in body["teams"]
        for cell in t["cells"]
        for card in cell["features"]
    ]
    return report_response(request, body, rows, BOARD_COLUMNS)


def baseline_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per feature of the baseline or of the plan now, with what happened to it."""
    base = {f["key"]: f for f in body["baseline"]["features"]}
    now = {f["key"]: f for f in body["current_features"]}
    features = body["features"]
    done = set(features["done_keys"])
    moved = {m["key"] for m in features["moved"]}
    rows = []
    for key in [*base, *(k for k in now if k not in base)]:
        b, n = base.get(key), now.get(key)
        if b is None or n is None:
            change = "added" if b is None else "removed"
        else:
            change = "moved" if key in moved else "unchanged"
        rows.append(
            {
                "key": key,
                "change": change,
                "done": key in done if b is not None else None,
                "baseline": b or {},
                "now": n or {},
                "url": (n or b or {}).get("url"),
                "display_key": (n or b or {}).get("display_key", key),
            }
        )
    return rows


@router.get(
    "/pis/{pi}/baseline",
    response_model=BaselineOut,
    responses=report_responses("one row per feature planned or added", BASELINE_COLUMNS),
)
def baseline(request: Request, ctx: Ctx, pi: str, format: FormatQuery = None) -> Response:
    """The plan as it stood at the PI's start (features per team iteration, committed
    objectives, story scope figures) and what changed by as_of: features added, removed and
    moved, feature completion, scope points added and removed. Iterations are shown by name
    (`iteration`), the tracker's sprint id or path beside (`iteration_key`); the stories of the
    scope are listed by `/pis/{pi}/baseline/scope`.

    The baseline is the stored one once the PI's plan has been frozen (`frozen: true` and
    `frozen_at`; `POST /pis/{pi}/baseline`, or the worker when the PI starts); until then it is
    reconstructed from history on every request (`frozen: false`). Reading never stores it.
    """
    body = baseline_body(ctx, ctx.pi(pi))
    return report_response(request, body, baseline_rows(body), BASELINE_COLUMNS)


_FROZEN = {
    "content": {"application/json": {"schema": {"type": "object"}}},
}


@admin_router.post(
    "/pis/{pi}/baseline",
    status_code=201,
    responses={
        201: {"description": "The baseline was frozen now; the body is the baseline report"},
        200: {"description": "The baseline was frozen already; the same report", **_FROZEN},
        409: {"description": "The PI has not started, or nothing is planned in it yet"},
    },
)
def freeze_baseline(ctx: Ctx, pi: str) -> JSONResponse:
    """Freeze the PI's plan baseline now: the plan as it stood at the PI's start is stored, so
    a later change of history in the tracker cannot rewrite what was planned. Answers the
    baseline report (as `GET /pis/{pi}/baseline`, at as_of) with `frozen: true`: 201 when this
    call stored it, 200 when it was stored already (nothing changes). 409 before the PI has
    started, or while nothing is planned in it (an empty plan is never frozen)."""
    name = ctx.pi(pi)
    stored = ctx.service.freeze_baseline(ctx.art, name)
    return JSONResponse(baseline_body(ctx, name), status_code=201 if stored else 200)


@router.get(
    "/pis/{pi}/baseline/scope",
    response_model=BaselineScopeOut,
    responses=report_responses("one row per story of the page", BASELINE_SCOPE_COLUMNS),
)
def baseline_scope(
    request: Request,
    ctx: Ctx,
    pi: str,
    page: PageQ,
    format: FormatQuery = None,
) -> Response:
    """The stories of the baseline's scope and of the scope at as_of, one row each: `change`
    (unchanged / re-estimated / added / removed), `baseline_points` and `now_points`. The
    baseline's stories come first, then those added, each in the ART's item order. Paged
    (`limit`, default 100; `cursor`), against the same frozen baseline as `/pis/{pi}/baseline`."""
    body = baseline_scope_body(ctx, ctx.pi(pi))
    return _paged(request, page.of(body), BASELINE_SCOPE_COLUMNS)


@router.get(
    "/pis/{pi}/burnup",
    response_model=BurnupOut,
    responses=report_responses("one row per day", BURNUP_COLUMNS),
)
def burnup(
    request: Request,
    ctx: Ctx,
    pi: str,
    team: TeamQuery = None,
    unit: Annotated[BurnupUnit, Query(description="story `points` or item `count`")] = "points",
    format: FormatQuery = None,
) -> Response:
    """Burn-up of the PI's stories: for each complete day from the PI's start up to as_of,
    `scope` (points, or count, of the items in the PI that day) and `done` (of those, done)."""
    body = burnup_body(ctx, ctx.pi(pi), ctx.team(team), unit)
    return report_response(request, body, body["data"], BURNUP_COLUMNS)


@router.get(
    "/velocity",
    response_model=VelocityOut,
    responses=report_responses("one row per team and iteration", VELOCITY_COLUMNS),
)
def velocity(
    request: Request,
    ctx: Ctx,
    team: TeamQuery = None,
    pi: Annotated[str | None, Query(description="only the iterations of this PI")] = None,
    format: FormatQuery = None,
) -> Response:
    """Velocity and say/do per team and iteration finished by as_of: committed points (in the
    iteration at its start), completed, added, carried over, and `say_do_pct`."""
    who = ctx.team(team)
    name = ctx.pi(pi, parameter="pi") if pi is not None else None
    body = velocity_body(ctx, who, name)
    return report_response(request, body, body["data"], VELOCITY_COLUMNS)
