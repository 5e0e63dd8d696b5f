"""Scheduled digest e-mails (docs/api.md "Digests"), admin scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from app.api_models.admin import DigestList
from app.deps import AdminScope, RowId, SessionDep, StateDep
from app.digests.service import DigestService, cron_trigger
from app.render import list_response
from app.reports.params import FormatQuery
from app.schemas import not_null
from art.errors import BadRequest, NotFound
from art.models import ART, Digest
from art.structure_queries import art_by_name

router = APIRouter(prefix="/api/v1/digests", tags=["digests (admin)"], dependencies=[AdminScope])
Section = Literal["predictability", "dependencies", "flow", "aging", "sync"]
ALL_SECTIONS: tuple[Section, ...] = ("predictability", "dependencies", "flow", "aging", "sync")


def _all_sections() -> list[Section]:
    return list(ALL_SECTIONS)


Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class DigestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    art: str
    cron: str = Field(description="five-field crontab, e.g. '0 8 * * MON'")
    timezone: str = "UTC"
    recipients: list[Email] = Field(min_length=1, max_length=200)
    sections: list[Section] = Field(default_factory=_all_sections)


class DigestPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    cron: str | None = None
    timezone: str | None = None
    recipients: list[Email] | None = Field(default=None, min_length=1, max_length=200)
    sections: list[Section] | None = None
    active: bool | None = None
    _required = not_null("name", "cron", "timezone", "recipients", "sections", "active")


def get_digests(state: StateDep) -> DigestService:
    return state.digests


DigestsDep = Annotated[DigestService, Depends(get_digests)]


def _validate(cron: str | None, timezone: str | None) -> None:
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise BadRequest(f"unknown time zone '{timezone}'", parameter="timezone") from None
    if cron is not None:
        try:
            cron_trigger(cron, timezone or "UTC")
        except ValueError as exc:
            raise BadRequest(
                f"cron '{cron}' is not a valid crontab: {exc}", parameter="cron"
            ) from None


def _out(d: Digest, art: str, service: DigestService) -> dict[str, Any]:
    nxt = service.next_run(d.cron, d.timezone, d.active)
    return {
        "id": d.id,
        "name": d.name,
        "art": art,
        "cron": d.cron,
        "timezone": d.timezone,
        "recipients": list(d.recipients),
        "sections": list(d.sections),
        "active": d.active,
        "last_sent_at": d.last_sent_at.isoformat() if d.last_sent_at else None,
        "next_run_at": nxt.isoformat() if nxt else None,
    }


def _get(session: SessionDep, digest_id: int) -> tuple[Digest, str]:
    row = session.execute(
        select(Digest, ART.name).join(ART, ART.id == Digest.art_id).where(Digest.id == digest_id)
    ).first()
    if row is None:
        raise NotFound(f"no digest {digest_id}")
    return row[0], row[1]


@router.get("", response_model=DigestList)
def list_digests(
    request: Request, session: SessionDep, service: DigestsDep, format: FormatQuery = None
) -> Response:
    """Digest subscriptions with their schedule and next run."""
    rows = session.execute(
        select(Digest, ART.name).join(ART, ART.id == Digest.art_id).order_by(Digest.id)
    ).all()
    return list_response(request, [_out(d, a, service) for d, a in rows], None)


@router.post("", status_code=201)
def create_digest(body: DigestIn, session: SessionDep, service: DigestsDep) -> JSONResponse:
    """Schedule a digest: cron in the digest's own time zone."""
    _validate(body.cron, body.timezone)
    try:
        art = art_by_name(session, body.art)
    except NotFound as exc:
        raise BadRequest(str(exc), parameter="art") from None
    digest = Digest(
        name=body.name,
        art_id=art.id,
        cron=body.cron,
        timezone=body.timezone,
        recipients=body.recipients,
        sections=body.sections,
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(digest)
    session.flush()
    session.commit()
    service.reschedule()
    return JSONResponse(_out(digest, art.name, service), status_code=201)


@router.patch("/{digest_id}")
def patch_digest(
    digest_id: RowId, body: DigestPatch, session: SessionDep, service: DigestsDep
) -> JSONResponse:
    """Change a digest's schedule, recipients or sections."""
    digest, art = _get(session, digest_id)
    fields = body.model_dump(exclude_unset=True)
    _validate(fields.get("cron", digest.cron), fields.get("timezone", digest.timezone))
    for name, value in fields.items():
        setattr(digest, name, value)
    session.commit()
    service.reschedule()
    return JSONResponse(_out(digest, art, service))


@router.delete("/{digest_id}", status_code=204)
def delete_digest(digest_id: RowId, session: SessionDep, service: DigestsDep) -> Response:
    """Stop a digest (its history of what was sent stays)."""
    digest, _ = _get(session, digest_id)
    digest.active = False
    session.commit()
    service.reschedule()
    return Response(status_code=204)


@router.get("/{digest_id}/preview", response_class=HTMLResponse)
def preview_digest(
    digest_id: RowId, session: SessionDep, service: DigestsDep, as_of: datetime | None = None
) -> HTMLResponse:
    """The digest's HTML as it would be sent now (images are attachments when e-mailed)."""
    _get(session, digest_id)
    return HTMLResponse(service.render(digest_id, as_of).html)


@router.post("/{digest_id}/send", status_code=202)
def send_digest(
    digest_id: RowId, session: SessionDep, service: DigestsDep, as_of: datetime | None = None
) -> JSONResponse:
    """Send the digest now to its recipients."""
    digest, _ = _get(session, digest_id)
    rendered = service.send_now(digest_id, as_of)
    return JSONResponse(
        {
            "id": digest_id,
            "subject": rendered.subject,
            "recipients": list(digest.recipients),
            "status": "sent",
        },
        status_code=202,
    )
