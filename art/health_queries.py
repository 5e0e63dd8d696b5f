"""Counts behind the Prometheus metrics and the digest's sync-health section."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from art.models import ART, Delivery, InboxEvent, Source, SyncRun, WorkItem


def items_by_art(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(ART.name, func.count(WorkItem.id))
        .join(WorkItem, WorkItem.art_id == ART.id)
        .where(WorkItem.deleted.is_(False))
        .group_by(ART.name)
    )
    return {name: n for name, n in rows}


def sync_runs_by_status(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(Source.name, SyncRun.status, func.count())
        .join(Source, Source.id == SyncRun.source_id)
        .group_by(Source.name, SyncRun.status)
    )
    return {(src, status): n for src, status, n in rows}


def last_success_age(session: Session) -> dict[str, float]:
    """Seconds since each source's last successful pull."""
    now = datetime.now(UTC)
    rows = session.execute(
        select(Source.name, func.max(SyncRun.finished_at))
        .join(SyncRun, SyncRun.source_id == Source.id)
        .where(SyncRun.status == "succeeded")
        .group_by(Source.name)
    )
    out: dict[str, float] = {}
    for name, finished in rows:
        if finished is not None:
            if finished.tzinfo is None:
                finished = finished.replace(tzinfo=UTC)
            out[name] = (now - finished).total_seconds()
    return out


def inbox_lag(session: Session) -> tuple[int, float]:
    """Pending webhook events and the age in seconds of the oldest one."""
    count, oldest = session.execute(
        select(func.count(), func.min(InboxEvent.received_at)).where(InboxEvent.status == "pending")
    ).one()
    if oldest is None:
        return int(count), 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count), (datetime.now(UTC) - oldest).total_seconds()


def inbox_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
    return {status: n for status, n in rows}


def deliveries_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status: n for status, n in rows}
