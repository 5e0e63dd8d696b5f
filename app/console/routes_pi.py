"""The PI pages: the program board and the dependency table."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.charts.palette import DEPENDENCY_COLOURS
from app.console.board import STATUS_WORDS, layout, status_word
from app.console.pages import ConsoleRoute, Ctx, User, data_links, page
from app.reports.bodies_pi import (
    DependencyStatus,
    dependencies_body,
    outlook_body,
    predictability_body,
    program_board_body,
)
from app.reports.context import ReportContext

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
TeamFilter = Annotated[str | None, Query(description="one team of the ART")]


def _team(ctx: Ctx, team: str | None) -> str | None:
    """An empty choice of the filter form is no filter."""
    return ctx.team(team or None)


def feature_chances(ctx: ReportContext, pi: str) -> dict[str, float]:
    """The PI outlook's chance, by feature key, that each feature not done is done by the PI's
    end; none unless the PI is running (before it nothing is left to simulate, after it the
    answer is known)."""
    if predictability_body(ctx, pi)["state"] != "in_progress":
        return {}
    return {f["key"]: f["chance_done_by_pi_end_pct"] for f in outlook_body(ctx, pi)["features"]}


@router.get("/arts/{art}/pis/{pi}/board")
def board(
    request: Request,
    ctx: Ctx,
    user: User,
    pi: str,
    team: TeamFilter = None,
    view: Annotated[Literal["all", "dependencies"], Query()] = "all",
) -> Response:
    """Teams x iterations with the feature cards and the dependency strings between them;
    ``view=dependencies`` keeps the cards with a string, ``team`` one team's cards and the
    strings that reach them. While the PI runs, each feature not done shows its chance of
    being done by the PI's end (the PI outlook)."""
    name, who = ctx.pi(pi), _team(ctx, team)
    body = program_board_body(ctx, name)
    facts = ctx.data.by_key
    points = {
        f["key"]: facts[f["key"]].story_points if f["key"] in facts else None
        for t in body["teams"]
        for c in t["cells"]
        for f in c["features"]
    }
    rows = dependencies_body(ctx, name)["data"]
    chances = feature_chances(ctx, name)
    drawn = layout(body, points, rows, who, view == "dependencies", chances)
    values = {
        "ctx": ctx,
        "user": user,
        "pi": name,
        "team": who,
        "view": view,
        "teams": ctx.data.team_names,
        "body": body,
        "board": drawn,
        "colours": DEPENDENCY_COLOURS,
        "links": data_links(f"/pis/{name}/program-board", ctx),
        "outlook_links": data_links(f"/pis/{name}/outlook", ctx) if chances else None,
    }
    return page(request, "board.html", values)


@router.get("/arts/{art}/pis/{pi}/dependencies")
def dependencies(
    request: Request,
    ctx: Ctx,
    user: User,
    pi: str,
    status: Annotated[DependencyStatus | Literal[""] | None, Query()] = None,
    team: TeamFilter = None,
) -> Response:
    """The dependency table, filtered by status and team, with the cycles called out."""
    name, who = ctx.pi(pi), _team(ctx, team)
    body = dependencies_body(ctx, name, status or None, who)
    values = {
        "ctx": ctx,
        "user": user,
        "pi": name,
        "team": who,
        "status": status or None,
        "statuses": STATUS_WORDS,
        "teams": ctx.data.team_names,
        "body": body,
        "word": status_word,
        "links": data_links(f"/pis/{name}/dependencies", ctx, status=status, team=who),
    }
    return page(request, "dependencies.html", values)
