"""The rows of the reporting schema's materialized tables (docs/bi.md): each item's state at
the end of each day, and its start, done and flow time.

Unlike the other bodies these are not cached: the worker asks for them once per data version
and writes them to the store (app.reporting), where BI tools read them. The rows come from the
same event stream as the CFD, flow load and burn-up reports (metrics.daily), so a figure
summed from them equals the report's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from app.reports.context import ReportContext
from metrics.daily import daily_states, flow_facts, structure_fingerprint


def item_days_rows(
    ctx: ReportContext, keys: Iterable[str], since: date | None = None
) -> list[dict[str, Any]]:
    """One row per live item of ``keys`` per day from its creation (or ``since``) to as_of's
    day: the state at the end of the day, at as_of for as_of's own day."""
    return [
        {
            "key": s.key,
            "day": s.day,
            "status": s.status,
            "status_category": s.category.value,
            "iteration": s.iteration,
            "pi": s.pi,
            "team": s.team,
            "points": s.points,
            "flagged": s.flagged,
            "blocked": s.blocked,
            "started": s.started,
        }
        for s in daily_states(ctx.data, keys, ctx.as_of, since)
    ]


def item_flow_rows(ctx: ReportContext, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Start, done and flow time at as_of of each live item of ``keys``, with the key people
    read and the item's URL in its tracker."""
    by_key = ctx.data.by_key
    return [
        {
            "key": f.key,
            "display_key": by_key[f.key].display_key or f.key,
            "url": by_key[f.key].url,
            "pi": f.pi,
            "started_at": f.started_at,
            "done_at": f.done_at,
            "done_date": f.done_date,
            "flow_days": f.flow_days,
        }
        for f in flow_facts(ctx.data, keys, ctx.as_of)
    ]


def structure_version(ctx: ReportContext) -> str:
    """A fingerprint of the rules and structure every row depends on: rows written under
    another fingerprint are stale."""
    return structure_fingerprint(ctx.data)
