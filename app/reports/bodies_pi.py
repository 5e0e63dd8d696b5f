"""The bodies of the PI reports: predictability (one PI and the trend), dependencies, the
program board, burn-up and velocity.

As in bodies_flow: each ``*_body`` is the one way its report is computed, for every surface,
cached by the context under the report's name and its parameters. PI and team names come in
checked (ReportContext.pi / .team, or the current PI).
"""

from __future__ import annotations

from typing import Any, Literal

from app.reports.context import ReportContext
from metrics import (
    burnup_report,
    dependencies_report,
    predictability_history,
    predictability_report,
    program_board,
    velocity_report,
)

BurnupUnit = Literal["points", "count"]
DependencyStatus = Literal["resolved", "on_track", "at_risk", "conflict", "late", "removed"]


def predictability_body(ctx: ReportContext, pi: str) -> dict[str, Any]:
    return ctx.report(
        "predictability", pi, lambda d: predictability_report(d, pi, ctx.as_of).to_dict()
    )


def predictability_history_body(ctx: ReportContext) -> dict[str, Any]:
    return ctx.report(
        "predictability-history", (), lambda d: predictability_history(d, ctx.as_of).to_dict()
    )


def dependencies_body(
    ctx: ReportContext,
    pi: str,
    status: DependencyStatus | None = None,
    team: str | None = None,
    cross_team: bool = False,
) -> dict[str, Any]:
    return ctx.report(
        "dependencies",
        (pi, status, team, cross_team),
        lambda d: dependencies_report(d, pi, ctx.as_of, status, team, cross_team).to_dict(),
    )


def program_board_body(ctx: ReportContext, pi: str) -> dict[str, Any]:
    return ctx.report("program-board", pi, lambda d: program_board(d, pi, ctx.as_of).to_dict())


def burnup_body(
    ctx: ReportContext, pi: str, team: str | None = None, unit: BurnupUnit = "points"
) -> dict[str, Any]:
    return ctx.report(
        "burnup",
        (pi, team, unit),
        lambda d: burnup_report(d, pi, ctx.as_of, team, unit).to_dict(),
    )


def velocity_body(ctx: ReportContext, team: str | None, pi: str | None) -> dict[str, Any]:
    return ctx.report(
        "velocity", (team, pi), lambda d: velocity_report(d, ctx.as_of, team, pi).to_dict()
    )
