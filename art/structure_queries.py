"""Queries over ARTs, teams, PIs and iterations: the structure every report hangs on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from art.errors import NotFound
from art.models import ART, PI, Iteration, Team, WorkItem


def arts(session: Session, after_id: int = 0, limit: int = 100) -> list[ART]:
    return list(session.scalars(select(ART).where(ART.id > after_id).order_by(ART.id).limit(limit)))


def art_by_name(session: Session, name: str) -> ART:
    art = session.scalars(select(ART).where(ART.name == name)).first()
    if art is None:
        known = ", ".join(session.scalars(select(ART.name).order_by(ART.name))) or "none"
        raise NotFound(f"no ART named '{name}' (known: {known})")
    return art


def teams(session: Session, art_id: int, after_id: int = 0, limit: int = 100) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .where(Team.art_id == art_id, Team.id > after_id)
            .order_by(Team.id)
            .limit(limit)
        )
    )


def team_item_counts(session: Session, art_id: int) -> dict[int, int]:
    rows = session.execute(
        select(WorkItem.team_id, func.count())
        .where(WorkItem.art_id == art_id, WorkItem.deleted.is_(False))
        .group_by(WorkItem.team_id)
    )
    return {team_id: n for team_id, n in rows if team_id is not None}


def pis(
    session: Session, art_id: int, after: tuple[date, int] | None = None, limit: int = 100
) -> list[PI]:
    """PIs in date order; ``after`` is the (start, id) of the last row of the previous page."""
    stmt = select(PI).where(PI.art_id == art_id)
    if after is not None:
        stmt = stmt.where(tuple_(PI.start_date, PI.id) > tuple_(after[0], after[1]))
    return list(session.scalars(stmt.order_by(PI.start_date, PI.id).limit(limit)))


def pi_by_name(session: Session, art_id: int, name: str) -> PI:
    pi = session.scalars(select(PI).where(PI.art_id == art_id, PI.name == name)).first()
    if pi is None:
        known = (
            ", ".join(
                session.scalars(select(PI.name).where(PI.art_id == art_id).order_by(PI.start_date))
            )
            or "none"
        )
        raise NotFound(f"no PI named '{name}' in this ART (known: {known})")
    return pi


def pi_iterations(session: Session, pi_id: int) -> list[tuple[Iteration, str | None]]:
    """The PI's iterations with their team names, in date order."""
    rows = session.execute(
        select(Iteration, Team.name)
        .outerjoin(Team, Team.id == Iteration.team_id)
        .where(Iteration.pi_id == pi_id)
        .order_by(Iteration.start_date, Iteration.name)
    )
    return [(it, team) for it, team in rows]


def next_data_version(session: Session, art_id: int) -> int:
    """Bump the ART's data version in the caller's transaction and return the new one.

    Every writer that changes what reports read calls it; the row lock it takes orders
    concurrent writers, so versions follow commit order."""
    return session.execute(
        update(ART)
        .where(ART.id == art_id)
        .values(data_version=ART.data_version + 1)
        .returning(ART.data_version)
    ).scalar_one()
