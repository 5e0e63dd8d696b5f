"""What a digest says: the sections, computed from the same reports the API serves.

Every figure is a report body of the report service (the same call, and cache, as the API),
and its days are the ART's: the period, "today" and the current PI are taken in the ART's
time zone. The content is a plain dict (rendered by templates for HTML and text), plus a
snapshot of the dependency statuses so the next digest can say what changed since this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.charts.draw import draw_chart
from app.digests.mailer import InlineImage
from app.reports.bodies_flow import aging_body, flow_body
from app.reports.bodies_pi import (
    burnup_body,
    dependencies_body,
    outlook_body,
    predictability_body,
)
from app.reports.context import WINDOW_DAYS, FlowQuery, ReportContext, Window, context_at
from app.reports.service import ReportService
from art import health_queries as hq

SECTIONS = ("predictability", "dependencies", "flow", "aging", "sync")
ATTENTION = ("late", "conflict", "at_risk")


@dataclass
class DigestContent:
    """Everything the templates show, the images they embed, and the snapshot to keep."""

    art: str
    as_of: datetime
    today: date  # as_of's day in the ART's time zone
    period: tuple[date, date]  # [first day, day after the last), ART time zone
    sections: dict[str, Any] = field(default_factory=dict)
    images: list[InlineImage] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 2)


def _flow(ctx: ReportContext, period: tuple[date, date]) -> dict[str, Any]:
    """Flow for the period against the period of the same length just before it, at the
    reports' default level (level=None: features for the ART), as GET /flow answers."""
    length = period[1] - period[0]
    now = flow_body(ctx, FlowQuery(Window(*period), None, None), "days", "week")
    before_window = Window(period[0] - length, period[0])
    before = flow_body(ctx, FlowQuery(before_window, None, None), "days", "week")
    rows = []
    for label, path in (
        ("Items done", ("velocity", "items")),
        ("Points done", ("velocity", "points")),
        ("Flow time p50 (days)", ("time", "p50")),
        ("Flow time p85 (days)", ("time", "p85")),
        ("Flow efficiency %", ("efficiency_pct",)),
        ("WIP now", ("load", "now")),
    ):
        a: Any = now
        b: Any = before
        for key in path:
            a = a.get(key) if isinstance(a, dict) else None
            b = b.get(key) if isinstance(b, dict) else None
        note = now.get("efficiency_note") if path == ("efficiency_pct",) else None
        rows.append(
            {"metric": label, "value": a, "previous": b, "change": _change(a, b), "note": note}
        )
    return {
        "from": period[0].isoformat(),
        "to": period[1].isoformat(),
        "level": now["level"],
        "rows": rows,
    }


def _dependencies(
    ctx: ReportContext, pi: str, previous: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    report = dependencies_body(ctx, pi)
    statuses = {
        f"{d['provider']['key']}->{d['consumer']['key']}": d["status"] for d in report["data"]
    }
    attention = [d for d in report["data"] if d["status"] in ATTENTION]
    changed = [
        {"edge": edge, "from": previous.get(edge), "to": status}
        for edge, status in sorted(statuses.items())
        if previous and previous.get(edge) != status
    ]
    return {
        "attention": attention,
        "changed": changed,
        "cycles": report["cycles"],
        "total": len(report["data"]),
    }, statuses


def _sync(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        ages = hq.last_success_age(session)
        runs = hq.sync_runs_by_status(session)
        pending, lag = hq.inbox_lag(session)
        inbox = hq.inbox_by_status(session)
    sources = sorted({src for src, _ in runs} | set(ages))
    return {
        "sources": [
            {
                "source": s,
                "last_success_hours": round(ages[s] / 3600, 1) if s in ages else None,
                "failed_runs": runs.get((s, "failed"), 0),
            }
            for s in sources
        ],
        "webhooks_pending": pending,
        "webhook_lag_seconds": round(lag, 1),
        "webhooks_failed": inbox.get("failed", 0),
    }


def compose(
    reports: ReportService,
    sessions: sessionmaker[Session],
    art: str,
    sections: list[str],
    as_of: datetime,
    since: datetime | None,
    previous: dict[str, Any] | None,
) -> DigestContent:
    """Compute the digest for ``art`` at ``as_of``; the period starts at the last digest's
    day (else a week before) and ends with as_of's day, days in the ART's time zone."""
    ctx = context_at(reports, art, as_of)
    start = ctx.day_of(since or as_of - timedelta(days=7))
    end = ctx.today + timedelta(days=1)
    if end - start < timedelta(days=1):
        start = end - timedelta(days=1)
    content = DigestContent(art=art, as_of=as_of, today=ctx.today, period=(start, end))
    content.sections = {**dict.fromkeys(SECTIONS), "outlook": None}
    pi = ctx.current_pi()
    if "predictability" in sections and pi is not None:
        content.sections["predictability"] = pred = predictability_body(ctx, pi)
        if pred["state"] == "in_progress":  # where the running PI will land, a line per team
            content.sections["outlook"] = outlook_body(ctx, pi)
        burn = burnup_body(ctx, pi)
        png = draw_chart("burnup", burn, f"{art}: {pi} burn-up", "png")
        content.images.append(InlineImage("burnup@trainyard", png, "burnup.png"))
    if "dependencies" in sections and pi is not None:
        old = (previous or {}).get("dependencies", {})
        content.sections["dependencies"], content.snapshot["dependencies"] = _dependencies(
            ctx, pi, old
        )
    if "flow" in sections:
        content.sections["flow"] = _flow(ctx, content.period)
    if "aging" in sections:
        aging = aging_body(ctx, None, None, WINDOW_DAYS, "days")  # GET /aging's defaults
        content.sections["aging"] = {
            "reference": aging["reference"],
            "items": [r for r in aging["data"] if r.get("over_p85")],
        }
        png = draw_chart("aging", aging, f"{art}: aging work in progress", "png")
        content.images.append(InlineImage("aging@trainyard", png, "aging.png"))
    if "sync" in sections:
        content.sections["sync"] = _sync(sessions)
    content.sections["pi"] = pi
    return content
