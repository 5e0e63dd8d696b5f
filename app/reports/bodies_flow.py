"""The bodies of the flow reports: the six flow metrics, cycle time, throughput, CFD, WIP,
aging, the Monte Carlo forecast and data quality.

Each ``*_body`` is the one way its report is computed, for the JSON and CSV endpoints, the
charts, digests and the benchmark alike: it names the report and its parameters (the cache
key) and calls the formula over the ART's data, through the context's cache. A report body is
never built anywhere else.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from typing import Any, Literal

from app.reports.context import FlowQuery, ReportContext
from art.errors import BadRequest
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
        lambda d: cycle_time_report(d, q.window, ctx.as_of, q.level, q.team, unit).to_dict(),
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
    """The forecast for ``items`` or ``target_date`` (exactly one). The question is checked
    here, in this order, for every caller: one of the two, the team, the date between as_of's
    day and MAX_DAYS after it. Without ``seed`` one is derived from the question, so the same
    question on the same data always gets the same answer."""
    if (items is None) == (target_date is None):
        raise BadRequest("give exactly one of items= and date=", parameter="items")
    who = ctx.team(team)
    if target_date is not None and not (
        ctx.today <= target_date < ctx.today + timedelta(days=MAX_DAYS)
    ):
        raise BadRequest(
            f"date must be between as_of's day ({ctx.today}) and {MAX_DAYS} days after it",
            parameter="date",
        )
    if seed is None:
        seed = zlib.crc32(repr((ctx.art, ctx.as_of, items, target_date, who, level)).encode())
    return ctx.report(
        "forecast",
        (items, target_date, seed, who, level),
        lambda d: forecast_report(d, ctx.as_of, items, target_date, level, who, seed).to_dict(),
    )


def data_quality_body(ctx: ReportContext) -> dict[str, Any]:
    return ctx.report("data-quality", (), lambda d: data_quality_report(d, ctx.as_of).to_dict())
