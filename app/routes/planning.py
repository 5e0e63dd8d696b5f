"""PI objectives and risks kept by Trainyard (docs/api.md "Planning data"); writes need `write`.

Objectives and risks that come from a tracker are owned by it: they are listed here but
edited in the tracker, since the next pull would overwrite an edit made here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.api_models.planning import ObjectiveOut, ObjectivePage, RiskOut, RiskPage
from app.deps import ReadScope, RowId, SessionDep, StateDep, WriteScope
from app.outgoing.naming import named_items
from app.render import as_entered, list_response
from app.reports.params import FormatQuery
from app.schemas import not_null
from app.state import AppState
from art import planning_queries as q
from art import structure_queries as sq
from art.errors import BadRequest, Conflict, NotFound
from art.links import by_name
from art.models import ART, PI, PIObjective, Risk, Team
from art.store.outbox import emit
from art.vocabulary import Roam

router = APIRouter(prefix="/api/v1/arts/{art}/pis/{pi}", tags=["planning data"])
BV = Annotated[int, Field(ge=1, le=10, description="planned business value, 1-10")]
TRACKER_OWNED: dict[int | str, dict[str, Any]] = {
    409: {"description": "The row comes from a tracker item: edit it in the tracker"}
}
ActualBV = Annotated[int | None, Field(ge=0, le=10, description="actual business value, 0-10")]


class ObjectiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    committed: bool = True
    planned_bv: BV
    actual_bv: ActualBV = None
    items: list[str] = Field(default_factory=list, max_length=500)


class ObjectivePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str | None = None
    text: Annotated[str | None, Field(min_length=1, max_length=2000)] = None
    committed: bool | None = None
    planned_bv: BV | None = None
    actual_bv: ActualBV = None
    items: list[str] | None = Field(default=None, max_length=500)
    _required = not_null("text", "committed", "items")


class RiskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    owner: str | None = None
    team: str | None = None
    roam: Roam = Roam.UNROAMED


class RiskPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: Annotated[str | None, Field(min_length=1, max_length=2000)] = None
    owner: str | None = None
    team: str | None = None
    roam: Roam | None = None
    _required = not_null("text", "roam")


def _pi(session: Session, art: str, pi: str) -> tuple[ART, PI]:
    art_row = sq.art_by_name(session, art)
    return art_row, sq.resolve_pi(session, art_row, pi)


def _team_id(session: Session, art_id: int, name: str | None) -> int | None:
    if name is None:
        return None
    team = q.team_by_name(session, art_id, name)
    if team is None:
        raise BadRequest(f"no team named '{name}' in this ART", parameter="team")
    return team.id


def _bump(session: Session, art_id: int) -> None:
    sq.next_data_version(session, art_id)


def _objective_out(o: PIObjective, team: str | None, source: str | None, pi: str) -> dict[str, Any]:
    return {
        "id": o.id,
        "pi": pi,
        "team": team,
        "text": o.text,
        "committed": o.committed,
        "planned_bv": as_entered(o.planned_bv),
        "actual_bv": as_entered(o.actual_bv),
        "items": list(o.items or []),
        "origin": "tracker" if o.source_id else "api",
        "source": source,
        "key": o.key,
        "updated_at": o.updated_at.isoformat(),
    }


def _risk_out(r: Risk, team: str | None, source: str | None, pi: str) -> dict[str, Any]:
    return {
        "id": r.id,
        "pi": pi,
        "team": team,
        "text": r.text,
        "owner": r.owner,
        "roam": r.roam,
        "origin": "tracker" if r.source_id else "api",
        "source": source,
        "key": r.key,
        "updated_at": r.updated_at.isoformat(),
    }


def _owned_here(row: PIObjective | Risk, what: str) -> None:
    if row.source_id is not None:
        raise Conflict(f"{what} {row.id} comes from tracker item {row.key}: edit it there")


def _announce(
    session: Session, art: ART, what: str, change: str, out: dict[str, Any], state: AppState
) -> None:
    """Queue ``objective.changed`` / ``risk.changed`` and mark the ART's data as changed.

    The event names the ART and the PI, carries the row as it is after the change (as it
    was, for a deletion) and names an objective's items by key, display key, URL and
    source."""
    data: dict[str, Any] = {"change": change, "art": art.name, "pi": out["pi"], what: out}
    if what == "objective":
        sources = by_name(state.config.sources)
        data["items"] = named_items(session, art.id, out["items"], sources)
    emit(session, f"{what}.changed", data)
    _bump(session, art.id)


def _update(
    session: Session, art_id: int, row: PIObjective | Risk, what: str, fields: dict[str, Any]
) -> None:
    """Apply a PATCH body to a row entered through the API."""
    _owned_here(row, what)
    if "team" in fields:
        row.team_id = _team_id(session, art_id, fields.pop("team"))
    for name, value in fields.items():
        setattr(row, name, value.value if isinstance(value, Roam) else value)
    row.updated_at = datetime.now(UTC)
    session.flush()


def _remove(
    session: Session, art: ART, row: PIObjective | Risk, what: str, state: AppState
) -> Response:
    """Soft-delete a row entered through the API; the event carries the row as it was."""
    _owned_here(row, what)
    pi = session.get(PI, row.pi_id)
    assert pi is not None  # the row was found in it
    team = session.get(Team, row.team_id) if row.team_id is not None else None
    name = team.name if team is not None else None
    out = (
        _objective_out(row, name, None, pi.name)
        if isinstance(row, PIObjective)
        else _risk_out(row, name, None, pi.name)
    )
    row.deleted = True
    row.updated_at = datetime.now(UTC)
    _announce(session, art, what, "deleted", out, state)
    return Response(status_code=204)


@router.get("/objectives", response_model=ObjectivePage, dependencies=[ReadScope])
def list_objectives(
    request: Request, art: str, pi: str, session: SessionDep, format: FormatQuery = None
) -> Response:
    """The PI's objectives, from the trackers and entered here, with their business value."""
    _, pi_row = _pi(session, art, pi)
    data = [_objective_out(o, t, s, pi_row.name) for o, t, s in q.objectives(session, pi_row.id)]
    return list_response(request, data, None)


@router.post("/objectives", status_code=201, response_model=ObjectiveOut, dependencies=[WriteScope])
def create_objective(
    art: str, pi: str, body: ObjectiveIn, session: SessionDep, state: StateDep
) -> JSONResponse:
    """Enter a PI objective (typically during PI planning)."""
    art_row, pi_row = _pi(session, art, pi)
    row = PIObjective(
        art_id=art_row.id,
        pi_id=pi_row.id,
        team_id=_team_id(session, art_row.id, body.team),
        source_id=None,
        key=None,
        text=body.text,
        committed=body.committed,
        planned_bv=body.planned_bv,
        actual_bv=body.actual_bv,
        items=body.items,
        deleted=False,
        updated_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    out = _objective_out(row, body.team, None, pi_row.name)
    _announce(session, art_row, "objective", "created", out, state)
    return JSONResponse(out, status_code=201)


@router.patch(
    "/objectives/{objective_id}",
    response_model=ObjectiveOut,
    dependencies=[WriteScope],
    responses=TRACKER_OWNED,
)
def patch_objective(
    art: str,
    pi: str,
    objective_id: RowId,
    body: ObjectivePatch,
    session: SessionDep,
    state: StateDep,
) -> JSONResponse:
    """Change an objective; scoring it means setting `actual_bv` after the PI."""
    art_row, pi_row = _pi(session, art, pi)
    row = _objective(session, pi_row, objective_id)
    _update(session, art_row.id, row, "objective", body.model_dump(exclude_unset=True))
    team = next((t for o, t, _ in q.objectives(session, pi_row.id) if o.id == row.id), None)
    out = _objective_out(row, team, None, pi_row.name)
    _announce(session, art_row, "objective", "updated", out, state)
    return JSONResponse(out)


@router.delete(
    "/objectives/{objective_id}",
    status_code=204,
    dependencies=[WriteScope],
    responses=TRACKER_OWNED,
)
def delete_objective(
    art: str, pi: str, objective_id: RowId, session: SessionDep, state: StateDep
) -> Response:
    """Remove an objective entered here."""
    art_row, pi_row = _pi(session, art, pi)
    row = _objective(session, pi_row, objective_id)
    return _remove(session, art_row, row, "objective", state)


def _objective(session: Session, pi_row: PI, objective_id: int) -> PIObjective:
    row = q.objective(session, pi_row.id, objective_id)
    if row is None:
        raise NotFound(f"no objective {objective_id} in {pi_row.name}")
    return row


def _risk(session: Session, pi_row: PI, risk_id: int) -> Risk:
    row = q.risk(session, pi_row.id, risk_id)
    if row is None:
        raise NotFound(f"no risk {risk_id} in {pi_row.name}")
    return row


@router.get("/risks", response_model=RiskPage, dependencies=[ReadScope])
def list_risks(
    request: Request, art: str, pi: str, session: SessionDep, format: FormatQuery = None
) -> Response:
    """The PI's risks with their ROAM state."""
    _, pi_row = _pi(session, art, pi)
    data = [_risk_out(r, t, s, pi_row.name) for r, t, s in q.risks(session, pi_row.id)]
    return list_response(request, data, None)


@router.post("/risks", status_code=201, response_model=RiskOut, dependencies=[WriteScope])
def create_risk(
    art: str, pi: str, body: RiskIn, session: SessionDep, state: StateDep
) -> JSONResponse:
    """Record a PI risk."""
    art_row, pi_row = _pi(session, art, pi)
    row = Risk(
        art_id=art_row.id,
        pi_id=pi_row.id,
        team_id=_team_id(session, art_row.id, body.team),
        source_id=None,
        key=None,
        text=body.text,
        owner=body.owner,
        roam=body.roam.value,
        deleted=False,
        updated_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    out = _risk_out(row, body.team, None, pi_row.name)
    _announce(session, art_row, "risk", "created", out, state)
    return JSONResponse(out, status_code=201)


@router.patch(
    "/risks/{risk_id}", response_model=RiskOut, dependencies=[WriteScope], responses=TRACKER_OWNED
)
def patch_risk(
    art: str, pi: str, risk_id: RowId, body: RiskPatch, session: SessionDep, state: StateDep
) -> JSONResponse:
    """Change a risk, typically its ROAM state."""
    art_row, pi_row = _pi(session, art, pi)
    row = _risk(session, pi_row, risk_id)
    _update(session, art_row.id, row, "risk", body.model_dump(exclude_unset=True))
    team = next((t for r, t, _ in q.risks(session, pi_row.id) if r.id == row.id), None)
    out = _risk_out(row, team, None, pi_row.name)
    _announce(session, art_row, "risk", "updated", out, state)
    return JSONResponse(out)


@router.delete(
    "/risks/{risk_id}", status_code=204, dependencies=[WriteScope], responses=TRACKER_OWNED
)
def delete_risk(
    art: str, pi: str, risk_id: RowId, session: SessionDep, state: StateDep
) -> Response:
    """Remove a risk entered here."""
    art_row, pi_row = _pi(session, art, pi)
    return _remove(session, art_row, _risk(session, pi_row, risk_id), "risk", state)
