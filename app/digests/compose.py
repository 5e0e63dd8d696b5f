"""What a digest says: the sections, computed from the same reports the API serves.

The content is a plain dict (rendered by templates for HTML and text), plus a snapshot of the
dependency statuses so the next digest can say what changed since this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.charts.draw import draw_chart
from app.digests.mailer import InlineImage
from app.reports.service import ReportService
from art import health_queries as hq
from art.vocabulary import Level
from metrics import (
    aging_report,
    burnup_report,
    dependencies_report,
    flow_report,
    predictability_report,
)
from metrics.inputs import ArtData, Window

SECTIONS = ("predictability", "dependencies", "flow", "aging", "sync")
ATTENTION = ("late", "conflict", "at_risk")


@dataclass
class DigestContent:
    """Everything the templates show, the images they embed, and the snapshot to keep."""

    art: str
    as_of: datetime
    period: tuple[date, date]
    sections: dict[str, Any] = field(default_factory=dict)
    images: list[InlineImage] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)


def current_pi(data: ArtData, as_of: datetime) -> str | None:
    """The PI running at ``as_of``, else the last one that started before it."""
    day = as_of.date()
    running = data.pi_containing(day)
    if running is not None:
        return running.name
    started = [p for p in data.pis if p.start <= day]
    return max(started, key=lambda p: p.start).name if started else None


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 2)


def _flow(data: ArtData, period: tuple[date, date], as_of: datetime) -> dict[str, Any]:
    """Flow for the period against the period of the same length just before it."""
    length = period[1] - period[0]
    now = flow_report(data, Window(*period), as_of, level=Level.STORY).to_dict()
    prev_window = Window(period[0] - length, period[0])
    before = flow_report(data, prev_window, as_of, level=Level.STORY).to_dict()
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
        rows.append({"metric": label, "value": a, "previous": b, "change": _change(a, b)})
    return {"from": period[0].isoformat(), "to": period[1].isoformat(), "rows": rows}


def _dependencies(
    data: ArtData, pi: str, as_of: datetime, previous: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    report = dependencies_report(data, pi, as_of).to_dict()
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
    """Compute the digest for ``art`` at ``as_of``; the period starts at the last digest."""
    data = reports.data(art)
    start = (since or as_of - timedelta(days=7)).date()
    end = as_of.date() + timedelta(days=1)
    if end - start < timedelta(days=1):
        start = end - timedelta(days=1)
    content = DigestContent(art=art, as_of=as_of, period=(start, end))
    content.sections = dict.fromkeys(SECTIONS)
    pi = current_pi(data, as_of)
    if "predictability" in sections and pi is not None:
        content.sections["predictability"] = predictability_report(data, pi, as_of).to_dict()
        burn = burnup_report(data, pi, as_of).to_dict()
        png = draw_chart("burnup", burn, f"{art}: {pi} burn-up", "png")
        content.images.append(InlineImage("burnup@trainyard", png, "burnup.png"))
    if "dependencies" in sections and pi is not None:
        old = (previous or {}).get("dependencies", {})
        content.sections["dependencies"], content.snapshot["dependencies"] = _dependencies(
            data, pi, as_of, old
        )
    if "flow" in sections:
        content.sections["flow"] = _flow(data, content.period, as_of)
    if "aging" in sections:
        aging = aging_report(data, as_of, level=Level.STORY).to_dict()
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
