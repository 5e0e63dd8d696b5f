"""The bodies of the PI reports: predictability (one PI and the trend), the PI outlook,
dependencies, the program board, the plan baseline (and its story scope), burn-up and velocity.

As in bodies_flow: each ``*_body`` is the one way its report is computed, for every surface,
cached by the context under the report's name and its parameters. PI and team names come in
checked (ReportContext.pi / .team, or the current PI).
"""

from __future__ import annotations

from typing import Any, Literal

from app.reports.context import ReportContext
from metrics import (
    baseline_report,
    burnup_report,
    dependencies_report,
    outlook_report,
    predictability_history,
    predictability_report,
    program_board,
    velocity_report,
)
from metrics.inputs import ArtData
from metrics.output import iso

BurnupUnit = Literal["points", "count"]
DependencyStatus = Literal["resolved", "on_track", "at_risk", "conflict", "late", "removed"]


def predictability_body(ctx: ReportContext, pi: str) -> dict[str, Any]:
    return ctx.report(
        "predictability", pi, lambda d: predictability_report(d, pi, ctx.as_of).to_dict()
    )


def outlook_body(ctx: ReportContext, pi: str, seed: int | None = None) -> dict[str, Any]:
    """The PI outlook (Monte Carlo). Without ``seed`` the metric derives one from the data it
    simulates, the same one the predictability report's ``projected_pct`` uses, so both
    reports and every surface agree until the data changes."""
    return ctx.report(
        "outlook", (pi, seed), lambda d: outlook_report(d, pi, ctx.as_of, seed).to_dict()
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
        lambda d: dependencies_report(d, pi, ctx.as_of, status, team, cross_team).to_dict(
            linked=True
        ),
        linked=True,
    )


def program_board_body(ctx: ReportContext, pi: str) -> dict[str, Any]:
    return ctx.report("program-board", pi, lambda d: program_board(d, pi, ctx.as_of).to_dict())


def baseline_body(ctx: ReportContext, pi: str) -> dict[str, Any]:
    """The baseline against the plan at as_of: the stored baseline when the PI's plan has
    been frozen (``frozen``: true, ``frozen_at``), else the plan reconstructed from history at
    the PI's start (``frozen``: false). Nothing is stored here."""
    frozen = ctx.service.stored_baseline(ctx.art, pi)
    frozen_at = iso(frozen.frozen_at) if frozen is not None else None

    def compute(d: ArtData) -> dict[str, Any]:
        rep = baseline_report(d, pi, ctx.as_of, frozen.plan if frozen is not None else None)
        return {**rep.to_dict(), "frozen_at": frozen_at, "frozen": frozen is not None}

    return ctx.report("baseline", (pi, frozen_at), compute)


def baseline_scope_body(ctx: ReportContext, pi: str) -> dict[str, Any]:
    """The stories of the baseline's scope and of the scope at as_of, against the same
    baseline as :func:`baseline_body`."""
    frozen = ctx.service.stored_baseline(ctx.art, pi)
    frozen_at = iso(frozen.frozen_at) if frozen is not None else None

    def compute(d: ArtData) -> dict[str, Any]:
        rep = baseline_report(d, pi, ctx.as_of, frozen.plan if frozen is not None else None)
        return {
            "pi": pi,
            "as_of": iso(ctx.as_of),
            "frozen_at": frozen_at,
            "frozen": frozen is not None,
            "data": rep.scope_rows(),
        }

    return ctx.report("baseline-scope", (pi, frozen_at), compute)


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
