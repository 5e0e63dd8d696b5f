"""Write an ArtData (the golden ART) into the store as the sync layer would hold it.

Shared by the loader tests (tests/metrics) and the API tests (tests/app/api): both need the golden
ART in a real SQLite or PostgreSQL store. ARTs, teams, PIs and the source are reused when the
app's configuration already created them, so the same writer works under a running app; the
ART's ``data_version`` is bumped, as a sync would, so cached reports see the new rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from art.models import ART, PI, Iteration, PIObjective, Source, Team, WorkItem
from art.models import Change as ChangeRow
from art.models import Link as LinkRow
from art.structure_queries import next_data_version
from metrics.inputs import ArtData

NOW = datetime(2026, 2, 10, tzinfo=UTC)


def _art(session: Session, data: ArtData) -> ART:
    name = data.art or "ART"
    art = session.scalars(select(ART).where(ART.name == name)).first()
    if art is None:
        art = ART(name=name, timezone=data.definition.timezone, data_version=0)
        session.add(art)
        session.flush()
    return art


def _teams(session: Session, art: ART, data: ArtData) -> dict[str, Team]:
    teams = {t.name: t for t in session.scalars(select(Team).where(Team.art_id == art.id))}
    for name in data.team_names:
        if name not in teams:
            teams[name] = Team(art_id=art.id, name=name)
            session.add(teams[name])
    return teams


def _pis(session: Session, art: ART, data: ArtData) -> dict[str, PI]:
    pis = {p.name: p for p in session.scalars(select(PI).where(PI.art_id == art.id))}
    for p in data.pis:
        if p.name not in pis:
            pis[p.name] = PI(art_id=art.id, name=p.name, start_date=p.start, end_date=p.end)
            session.add(pis[p.name])
    return pis


def _source(session: Session, art: ART, name: str) -> Source:
    src = session.scalars(select(Source).where(Source.name == name)).first()
    if src is None:
        src = Source(name=name, kind="jira", url="http://tracker", art_id=art.id, created_at=NOW)
        session.add(src)
        session.flush()
    return src


def store_art(session: Session, data: ArtData, source: str = "golden") -> None:
    """Write ``data``'s items, changes, links, iterations and objectives into the store.

    Rows are stamped with the time they are written, as sync stamps them: incremental report
    loads re-read what was written since their last load."""
    written = datetime.now(UTC)
    art = _art(session, data)
    src = _source(session, art, source)
    teams = _teams(session, art, data)
    pis = _pis(session, art, data)
    session.flush()
    its = {
        i.key: Iteration(
            source_id=src.id,
            key=i.key,
            name=i.label,
            team_id=teams[i.team].id if i.team else None,
            pi_id=pis[i.pi].id if i.pi else None,
            start_date=i.start,
            end_date=i.end,
        )
        for i in data.iterations
    }
    session.add_all(its.values())
    session.flush()
    rows = {}
    for it in data.items:
        span = data.iteration_by_key.get(it.iteration or "")
        rows[it.key] = WorkItem(
            source_id=src.id,
            art_id=art.id,
            key=it.key,
            tracker_id=it.key,
            title=it.title,
            item_type=it.level.value.title(),
            level=it.level.value,
            work_type=it.work_type.value,
            status=it.status,
            status_category=it.status_category.value,
            team_id=teams[it.team].id if it.team else None,
            iteration_id=its[it.iteration].id if it.iteration else None,
            pi_id=pis[span.pi].id if span and span.pi else None,
            parent_key=it.parent,
            story_points=it.story_points,
            business_value=it.business_value,
            target_date=it.target_date,
            flagged=it.flagged,
            created_at=it.created_at,
            updated_at=NOW,
            deleted=it.deleted,
            synced_at=written,
        )
    session.add_all(rows.values())
    session.flush()
    session.add_all(
        ChangeRow(
            work_item_id=rows[c.item_key].id,
            field=c.field.value,
            from_value=c.from_value,
            to_value=c.to_value,
            from_category=c.from_category.value if c.from_category else None,
            to_category=c.to_category.value if c.to_category else None,
            at=c.at,
            seq=c.seq,
            dedupe_key=f"{c.item_key}-{k}",
            recorded_at=written,
        )
        for k, c in enumerate(data.changes)
    )
    session.add_all(
        LinkRow(
            source_id=src.id,
            from_key=lk.from_key,
            to_key=lk.to_key,
            kind=lk.kind.value,
            tracker_type="Blocks",
            recorded_at=written,
        )
        for lk in data.links
    )
    session.add_all(
        PIObjective(
            art_id=art.id,
            pi_id=pis[o.pi].id,
            team_id=teams[o.team].id if o.team else None,
            text=o.text,
            committed=o.committed,
            planned_bv=o.planned_bv,
            actual_bv=o.actual_bv,
            items=list(o.items),
            updated_at=NOW,
        )
        for o in data.objectives
    )
    version = next_data_version(session, art.id)
    # stamped like sync stamps what it writes, so incremental report loads see the items
    session.execute(
        update(WorkItem).where(WorkItem.source_id == src.id).values(art_version=version)
    )


def bump_data_version(session: Session) -> int:
    """A new data version of the store's only ART, through the writers' own call (which tells
    readers keeping a version that it moved); the new version."""
    return next_data_version(session, session.scalars(select(ART.id)).one())
