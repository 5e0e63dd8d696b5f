"""Queries over ARTs, teams, PIs and iterations: the structure every report hangs on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.orm import Session

from art.errors import NotFound
from art.models import ART, PI, Iteration, Team, WorkItem
from art.version_watch import announce_bump


def arts(session: Session, after_id: int = 0, limit: int = 100) -> list[ART]:
    return list(session.scalars(select(ART).where(ART.id > after_id).order_by(ART.id).limit(limit)))


# Built once: SQLAlchemy keeps a statement's cache key with it, and working the key out
# again was half of these lookups, which every report request makes (about 0.3 ms each).
_ART_BY_NAME = select(ART).where(ART.name == bindparam("name"))
_ART_VERSION = select(ART.id, ART.data_version).where(ART.name == bindparam("name"))
_STORE_VERSIONS = select(ART.id, ART.data_version).order_by(ART.id)


def art_by_name(session: Session, name: str) -> ART:
    art = session.scalars(_ART_BY_NAME, {"name": name}).first()
    if art is None:
        raise _unknown_art(session, name)
    return art


def art_version(session: Session, name: str) -> tuple[int, int]:
    """(id, data version) of the ART named ``name``: what each report request asks first."""
    row = session.connection().execute(_ART_VERSION, {"name": name}).first()
    if row is None:
        raise _unknown_art(session, name)
    return row[0], row[1]


def store_versions(session: Session) -> tuple[tuple[int, int], ...]:
    """(id, data version) of every ART: what the store holds, as one value. Every change to
    an item, its history or its links commits with its ART's next version, so two equal
    readings have the same items, history and links between them."""
    return tuple((id_, version) for id_, version in session.connection().execute(_STORE_VERSIONS))


def _unknown_art(session: Session, name: str) -> NotFound:
    known = ", ".join(session.scalars(select(ART.name).order_by(ART.name))) or "none"
    return NotFound(f"no ART named '{name}' (known: {known})")


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


CURRENT_PI = "current"
"""The PI name that means "the PI containing today" wherever a PI name is accepted."""

PISpanRow = tuple[str, date, date]  # name, first day, last day (inclusive)


def art_today(art: ART, now: datetime | None = None) -> date:
    """Today's date in the ART's time zone: which PI is current depends on where the ART is."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(art.timezone)).date()


def pi_containing(spans: Iterable[PISpanRow], day: date) -> str | None:
    """The name of the PI whose inclusive dates contain ``day``; None between PIs."""
    return next((name for name, start, end in spans if start <= day <= end), None)


def resolve_pi_name(name: str, spans: Iterable[PISpanRow], art: str, today: date) -> str:
    """The PI a name given in a path or query means: ``current`` is the PI containing
    ``today`` (unless a PI is really named so), any other name is itself (checked by the
    caller). The one resolver every route and report uses, so ``current`` means the same
    everywhere; NotFound naming the ART and the date when no PI contains today."""
    spans = list(spans)
    if name != CURRENT_PI or any(s[0] == name for s in spans):
        return name
    found = pi_containing(spans, today)
    if found is None:
        known = ", ".join(f"{n} ({s} to {e})" for n, s, e in spans) or "none"
        raise NotFound(f"no PI of {art} contains today, {today} (PIs: {known})")
    return found


def pi_spans(session: Session, art_id: int) -> list[PISpanRow]:
    rows = session.execute(
        select(PI.name, PI.start_date, PI.end_date)
        .where(PI.art_id == art_id)
        .order_by(PI.start_date, PI.id)
    )
    return [(n, s, e) for n, s, e in rows]


def resolve_pi(session: Session, art: ART, name: str, now: datetime | None = None) -> PI:
    """The ART's PI named ``name`` (``current``: the one containing today in the ART's time
    zone); NotFound naming the known PIs otherwise."""
    spans = pi_spans(session, art.id) if name == CURRENT_PI else []
    return pi_by_name(session, art.id, resolve_pi_name(name, spans, art.name, art_today(art, now)))


def pi_iterations(session: Session, pi_id: int) -> list[tuple[Iteration, str | None]]:
    """The PI's iterations for every team of the ART, in date order.

    A Jira sprint belongs to its board's team. An Azure DevOps iteration path is ART-wide
    (no team): the team comes from an item's area path, so it is listed once for each team
    with items in that iteration's source, and stays team-less only when the source has no
    item of any team. Iterations of one team with the same name and dates (a team's two
    boards' sprints) are one row."""
    its = list(
        session.scalars(
            select(Iteration)
            .where(Iteration.pi_id == pi_id)
            .order_by(Iteration.start_date, Iteration.name, Iteration.id)
        )
    )
    art_id = session.scalar(select(PI.art_id).where(PI.id == pi_id))
    team_names = {t.id: t.name for t in session.scalars(select(Team).where(Team.art_id == art_id))}
    source_teams: dict[int, set[int]] = {}
    for source_id, team_id in session.execute(
        select(WorkItem.source_id, WorkItem.team_id)
        .where(
            WorkItem.art_id == art_id,
            WorkItem.team_id.is_not(None),
            WorkItem.deleted.is_(False),
        )
        .distinct()
    ):
        if team_id is not None:
            source_teams.setdefault(source_id, set()).add(team_id)
    rows: dict[tuple[object, ...], tuple[Iteration, str | None]] = {}
    for it in its:
        if it.team_id is not None:
            teams: list[str | None] = [team_names.get(it.team_id)]
        else:
            found = {team_names[t] for t in source_teams.get(it.source_id, ()) if t in team_names}
            teams = [*sorted(found)] or [None]
        for team in teams:
            rows.setdefault((team, it.name, it.start_date, it.end_date, it.state), (it, team))
    return sorted(
        rows.values(),
        key=lambda r: (r[0].start_date or date.min, r[0].name, r[1] or ""),
    )


def next_data_version(session: Session, art_id: int) -> int:
    """Bump the ART's data version in the caller's transaction and return the new one.

    Every writer that changes what reports read calls it; the row lock it takes orders
    concurrent writers, so versions follow commit order. Readers that keep the version they
    read are told when the transaction commits (art.version_watch)."""
    version = session.execute(
        update(ART)
        .where(ART.id == art_id)
        .values(data_version=ART.data_version + 1)
        .returning(ART.data_version)
    ).scalar_one()
    announce_bump(session, art_id)
    return version
