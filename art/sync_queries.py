"""Queries over sources, sync runs, watermarks and the webhook inbox (the admin views)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from art.models import InboxEvent, Source, SyncRun, Watermark


def sources(session: Session) -> list[tuple[Source, SyncRun | None, SyncRun | None, str | None]]:
    """Each source with its last run, its last successful run and its watermark."""
    rows = []
    for src in session.scalars(select(Source).order_by(Source.id)):
        last = session.scalars(
            select(SyncRun).where(SyncRun.source_id == src.id).order_by(SyncRun.id.desc())
        ).first()
        ok = session.scalars(
            select(SyncRun)
            .where(SyncRun.source_id == src.id, SyncRun.status == "succeeded")
            .order_by(SyncRun.id.desc())
        ).first()
        mark = session.scalars(select(Watermark.value).where(Watermark.source_id == src.id)).first()
        rows.append((src, last, ok, mark))
    return rows


def sync_runs(
    session: Session, source: str | None, before_id: int | None, limit: int
) -> list[tuple[SyncRun, str]]:
    """Runs newest first, optionally of one source."""
    stmt = select(SyncRun, Source.name).join(Source, Source.id == SyncRun.source_id)
    if source is not None:
        stmt = stmt.where(Source.name == source)
    if before_id is not None:
        stmt = stmt.where(SyncRun.id < before_id)
    return [(r, n) for r, n in session.execute(stmt.order_by(SyncRun.id.desc()).limit(limit))]


def running_run(session: Session, source: str) -> SyncRun | None:
    """The newest run of ``source`` still marked running (a live pull's, or a dead one's)."""
    return session.scalars(
        select(SyncRun)
        .join(Source, Source.id == SyncRun.source_id)
        .where(Source.name == source, SyncRun.status == "running")
        .order_by(SyncRun.id.desc())
    ).first()


def inbox_events(
    session: Session, status: str | None, before_id: int | None, limit: int
) -> list[tuple[InboxEvent, str]]:
    stmt = select(InboxEvent, Source.name).join(Source, Source.id == InboxEvent.source_id)
    if status is not None:
        stmt = stmt.where(InboxEvent.status == status)
    if before_id is not None:
        stmt = stmt.where(InboxEvent.id < before_id)
    return [(e, n) for e, n in session.execute(stmt.order_by(InboxEvent.id.desc()).limit(limit))]
