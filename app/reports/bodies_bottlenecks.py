"""The body of the bottleneck report: time in status, WIP trend, blocked work and dependency
risk ahead (docs/metrics.md "Bottlenecks"), for the API, the console and assistants (MCP).

As in bodies_flow, this is the one way the report is computed. Its dependency forecast is a
Monte Carlo simulation; its seed is derived as the forecast's is (bodies_flow.default_seed),
so the same request on the same data always answers the same.
"""

from __future__ import annotations

from typing import Any

from app.reports.bodies_flow import default_seed
from app.reports.context import FlowQuery, ReportContext
from metrics.bottlenecks import bottleneck_report


def bottlenecks_body(ctx: ReportContext, q: FlowQuery) -> dict[str, Any]:
    seed = default_seed(ctx, ("bottlenecks", *q.key))
    return ctx.report(
        "bottlenecks",
        (*q.key, seed),
        lambda d: bottleneck_report(d, q.window, ctx.as_of, q.level, q.team, seed).to_dict(),
    )
