"""ART structure: ARTs, their teams and PIs (docs/api.md "ART structure")."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api_models.structure import ArtOut, ArtPage, PIDetailOut, PIOut, PIPage, TeamOut, TeamPage
from app.deps import ReadScope, SessionDep
from app.paging import DEFAULT_LIMIT, check_limit, encode_cursor, read_cursor, split_page
from app.render import list_response, report_response
from art import structure_queries as q
from art.models import ART, PI

router = APIRouter(prefix="/api/v1", tags=["ART structure"], dependencies=[ReadScope])
Limit = Annotated[int, Query(description="page size, 1-1000")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Format = Annotated[str | None, Query(pattern="^(json|csv)$", description="json or csv")]


def _after(cursor: str | None) -> int:
    pos = read_cursor(cursor, id=int)
    return int(pos["id"]) if pos else 0


def _current(session: Session, art: ART) -> str | None:
    """The name of the ART's PI containing today in the ART's time zone."""
    return q.pi_containing(q.pi_spans(session, art.id), q.art_today(art))


def _pi_out(pi: PI, current: str | None) -> PIOut:
    return PIOut(name=pi.name, start=pi.start_date, end=pi.end_date, current=pi.name == current)


@router.get("/arts", response_model=ArtPage)
def list_arts(
    request: Request,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """The Agile Release Trains Trainyard knows."""
    rows, last = split_page(q.arts(session, _after(cursor), check_limit(limit) + 1), limit)
    data = [
        ArtOut(name=a.name, timezone=a.timezone, data_version=a.data_version).model_dump()
        for a in rows
    ]
    nxt = encode_cursor({"id": last.id}) if last else None
    return list_response(request, data, nxt, list(ArtOut.model_fields))


@router.get("/arts/{art}", response_model=ArtOut)
def get_art(request: Request, art: str, session: SessionDep, format: Format = None) -> Response:
    """One ART."""
    row = q.art_by_name(session, art)
    body = ArtOut(name=row.name, timezone=row.timezone, data_version=row.data_version)
    return report_response(request, body.model_dump(), [body.model_dump()])


@router.get("/arts/{art}/teams", response_model=TeamPage)
def list_teams(
    request: Request,
    art: str,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """The ART's teams, with the number of items each holds."""
    art_row = q.art_by_name(session, art)
    fetched = q.teams(session, art_row.id, _after(cursor), check_limit(limit) + 1)
    rows, last = split_page(fetched, limit)
    counts = q.team_item_counts(session, art_row.id)
    data = [TeamOut(name=t.name, items=counts.get(t.id, 0)).model_dump() for t in rows]
    nxt = encode_cursor({"id": last.id}) if last else None
    return list_response(request, data, nxt, list(TeamOut.model_fields))


@router.get("/arts/{art}/pis", response_model=PIPage)
def list_pis(
    request: Request,
    art: str,
    session: SessionDep,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    format: Format = None,
) -> Response:
    """The ART's Program Increments in date order."""
    art_row = q.art_by_name(session, art)
    pos = read_cursor(cursor, start=date, id=int)
    after = (pos["start"], pos["id"]) if pos else None
    rows, last = split_page(q.pis(session, art_row.id, after, check_limit(limit) + 1), limit)
    current = _current(session, art_row)
    data = [_pi_out(p, current).model_dump(mode="json") for p in rows]
    nxt = encode_cursor({"start": last.start_date, "id": last.id}) if last else None
    return list_response(request, data, nxt, list(PIOut.model_fields))


@router.get("/arts/{art}/pis/{pi}", response_model=PIDetailOut)
def get_pi(
    request: Request, art: str, pi: str, session: SessionDep, format: Format = None
) -> Response:
    """One PI with its dates and iterations; `current` names the PI containing today."""
    art_row = q.art_by_name(session, art)
    pi_row = q.resolve_pi(session, art_row, pi)
    iterations = [
        {
            "name": it.name,
            "team": team,
            "start": it.start_date,
            "end": it.end_date,
            "state": it.state,
        }
        for it, team in q.pi_iterations(session, pi_row.id)
    ]
    body = PIDetailOut.model_validate(
        {**_pi_out(pi_row, _current(session, art_row)).model_dump(), "iterations": iterations}
    ).model_dump(mode="json")
    return report_response(request, body, body["iterations"])
