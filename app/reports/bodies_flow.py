"""The bodies of the flow reports: the six flow metrics, cycle time, throughput, CFD, WIP,
aging, the Monte Carlo forecast and data quality.

Each ``*_body`` is the one way its report is computed, for the JSON and CSV endpoints, the
charts, digests and the benchmark alike: it names the report and its parameters (the cache
key) and calls the formula over the ART's data, through the context's cache. A report body is
never built anywhere else.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable
from datetime import date, timedelta
from typing import Any, Literal

from app.reports.context import FlowQuery, ReportContext
from art.errors import BadRequest, NotFound
from art.vocabulary import Level
from metrics import (
    aging_report,
    cfd_report,
    cycle_time_report,
    data_quality_report,
    flow_report,
    forecast_report,
    throughput_report,
    wip_report,
)
from metrics.flow import Unit
from metrics.forecast import MAX_DAYS
from metrics.throughput import Interval

CfdBands = Literal["category", "status"]

__all__ = [
    "CfdBands",
    "Interval",
    "Unit",
    "aging_body",
    "cfd_body",
    "cycle_time_body",
    "data_quality_body",
    "flow_body",
    "forecast_body",
    "throughput_body",
    "wip_body",
]


def flow_body(ctx: ReportContext, q: FlowQuery, unit: Unit, interval: Interval) -> dict[str, Any]:
    return ctx.report(
        "flow",
        (*q.key, unit, interval),
        lambda d: flow_report(d, q.window, ctx.as_of, q.level, q.team, unit, interval).to_dict(),
    )


def cycle_time_body(ctx: ReportContext, q: FlowQuery, unit: Unit) -> dict[str, Any]:
    return ctx.report(
        "cycle-time",
        (*q.key, unit),
        lambda d: cycle_time_report(d, q.window, ctx.as_of, q.level, q.team, unit).to_dict(
            linked=True
        ),
        linked=True,
    )


def throughput_body(ctx: ReportContext, q: FlowQuery, interval: Interval) -> dict[str, Any]:
    return ctx.report(
        "throughput",
        (*q.key, interval),
        lambda d: throughput_report(d, q.window, ctx.as_of, interval, q.level, q.team).to_dict(),
    )


def cfd_body(ctx: ReportContext, q: FlowQuery, by: CfdBands) -> dict[str, Any]:
    return ctx.report(
        "cfd",
        (*q.key, by),
        lambda d: cfd_report(d, q.window, ctx.as_of, q.level, q.team, by).to_dict(),
    )


def wip_body(ctx: ReportContext, q: FlowQuery) -> dict[str, Any]:
    return ctx.report(
        "wip",
        q.key,
        lambda d: wip_report(d, q.window, ctx.as_of, q.level, q.team).to_dict(),
    )


def aging_body(
    ctx: ReportContext, team: str | None, level: Level | None, window_days: int, unit: Unit
) -> dict[str, Any]:
    return ctx.report(
        "aging",
        (team, level, window_days, unit),
        lambda d: aging_report(d, ctx.as_of, level, team, window_days, unit).to_dict(),
    )


def forecast_body(
    ctx: ReportContext,
    items: int | None,
    target_date: date | None,
    seed: int | None,
    team: str | None,
    level: Level | None,
) -> dict[str, Any]:
    """The forecast for ``items`` or ``target_date`` (at most one). The question is checked
    here, in this order, for every caller: not both, the team, the date between as_of's day
    and MAX_DAYS after it. With neither, the question is "how many by the end of the current
    PI" (the PI containing as_of's day, ART time zone; its name is in the body as ``pi``).
    Without ``seed`` one is derived (:func:`default_seed`), so the same question on the same
    data always gets the same answer."""
    if items is not None and target_date is not None:
        raise BadRequest("give one of items= and date=, not both", parameter="items")
    who = ctx.team(team)
    pi: str | None = None
    if items is None and target_date is None:
        span = ctx.data.pi_containing(ctx.today)
        if span is None:
            raise NotFound(
                f"no PI of {ctx.art} contains {ctx.today} (as_of's day) to forecast to its "
                "end: give items= or date="
            )
        target_date, pi = span.end, span.name
    if target_date is not None and not (
        ctx.today <= target_date < ctx.today + timedelta(days=MAX_DAYS)
    ):
        raise BadRequest(
            f"date must be between as_of's day ({ctx.today}) and {MAX_DAYS} days after it",
            parameter="date",
        )
    if seed is None:
        seed = default_seed(ctx, (items, target_date, who, level))
    body = ctx.report(
        "forecast",
        (items, target_date, seed, who, level),
        lambda d: forecast_report(d, ctx.as_of, items, target_date, level, who, seed).to_dict(),
    )
    return body if pi is None else {**body, "pi": pi}


def default_seed(ctx: ReportContext, question: Hashable) -> int:
    """The seed of a request that gives none: from the ART, the question and the as_of given;
    when as_of is left to default (now), from the ART's data version instead of the clock, so
    repeating the request answers the same until the data changes."""
    if ctx.cache_as_of:  # as_of defaulted to now
        _, version = ctx.known or ctx.service.version(ctx.art)
        basis: tuple[Hashable, ...] = (ctx.art, "data version", version, question)
    else:
        basis = (ctx.art, ctx.as_of, question)
    return zlib.crc32(repr(basis).encode())


def data_quality_body(ctx: ReportContext) -> dict[str, Any]:
    return ctx.report("data-quality", (), lambda d: data_quality_report(d, ctx.as_of).to_dict())
