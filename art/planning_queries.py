"""PI objectives and risks: the planning data Trainyard keeps beside the trackers'."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from art.models import PIObjective, Risk, Source, Team


def objectives(session: Session, pi_id: int) -> list[tuple[PIObjective, str | None, str | None]]:
    """The PI's objectives (tracker and API ones) with team and source names."""
    rows = session.execute(
        select(PIObjective, Team.name, Source.name)
        .outerjoin(Team, Team.id == PIObjective.team_id)
        .outerjoin(Source, Source.id == PIObjective.source_id)
        .where(PIObjective.pi_id == pi_id, PIObjective.deleted.is_(False))
        .order_by(PIObjective.id)
    )
    return [(o, t, s) for o, t, s in rows]


def objective(session: Session, pi_id: int, objective_id: int) -> PIObjective | None:
    return session.scalars(
        select(PIObjective).where(
            PIObjective.id == objective_id,
            PIObjective.pi_id == pi_id,
            PIObjective.deleted.is_(False),
        )
    ).first()


def risks(session: Session, pi_id: int) -> list[tuple[Risk, str | None, str | None]]:
    rows = session.execute(
        select(Risk, Team.name, Source.name)
        .outerjoin(Team, Team.id == Risk.team_id)
        .outerjoin(Source, Source.id == Risk.source_id)
        .where(Risk.pi_id == pi_id, Risk.deleted.is_(False))
        .order_by(Risk.id)
    )
    return [(r, t, s) for r, t, s in rows]


def risk(session: Session, pi_id: int, risk_id: int) -> Risk | None:
    return session.scalars(
        select(Risk).where(Risk.id == risk_id, Risk.pi_id == pi_id, Risk.deleted.is_(False))
    ).first()


def team_by_name(session: Session, art_id: int, name: str) -> Team | None:
    return session.scalars(select(Team).where(Team.art_id == art_id, Team.name == name)).first()
