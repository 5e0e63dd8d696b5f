"""Bodies about items, for assistants (MCP) and any other surface: what changed since a time
(status changes, dependencies turned red, PI scope added or removed) and one item's story
(docs/metrics.md "What changed" and "One item")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.reports.context import ReportContext
from art.errors import BadRequest
from metrics.changes import changes_report
from metrics.item import item_report


def changes_body(ctx: ReportContext, since: datetime, pi: str | None) -> dict[str, Any]:
    """``pi`` comes in checked (ReportContext.pi); ``since`` must be before as_of."""
    if since >= ctx.as_of:
        raise BadRequest(f"since ({since.isoformat()}) must be before as_of", parameter="since")
    return ctx.report(
        "changes", (since, pi), lambda d: changes_report(d, since, ctx.as_of, pi).to_dict()
    )


def item_body(ctx: ReportContext, key: str) -> dict[str, Any]:
    """One item by key or display key; NotFound when the ART has no such item."""
    return ctx.report("item", key, lambda d: item_report(d, key, ctx.as_of))
