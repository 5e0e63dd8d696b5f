"""Outgoing webhook subscriptions and their deliveries (docs/api.md "Webhooks out"), admin."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update

from app.api_models.admin import DeliveryList, SubscriptionList
from app.deps import AdminScope, RowId, SessionDep, SettingsDep
from app.outgoing.dispatcher import ping_delivery
from app.outgoing.ssrf import check_url
from app.render import list_response
from app.reports.params import FormatQuery
from app.schemas import not_null
from art.errors import BadRequest, NotFound
from art.models import Delivery, DeliveryAttempt, Subscription
from art.store.outbox import EVENT_TYPES

router = APIRouter(prefix="/api/v1", tags=["webhooks out (admin)"], dependencies=[AdminScope])


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[str, Field(max_length=2000)]
    events: list[str] = Field(min_length=1, description=f"any of {', '.join(EVENT_TYPES)}, or *")
    description: str | None = None


class SubscriptionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Annotated[str | None, Field(max_length=2000)] = None
    events: list[str] | None = Field(default=None, min_length=1)
    description: str | None = None
    active: bool | None = None
    _required = not_null("url", "events", "active")


def _check_events(events: list[str]) -> None:
    unknown = [e for e in events if e != "*" and e not in EVENT_TYPES]
    if unknown:
        raise BadRequest(
            f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
            parameter="events",
        )


def _out(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "url": s.url,
        "events": list(s.events),
        "description": s.description,
        "active": s.active,
        "consecutive_failures": s.consecutive_failures,
        "disabled_at": s.disabled_at.isoformat() if s.disabled_at else None,
        "created_at": s.created_at.isoformat(),
    }


def _get(session: SessionDep, sub_id: int) -> Subscription:
    sub = session.get(Subscription, sub_id)
    if sub is None:
        raise NotFound(f"no subscription {sub_id}")
    return sub


@router.get("/subscriptions", response_model=SubscriptionList)
def list_subscriptions(
    request: Request, session: SessionDep, format: FormatQuery = None
) -> Response:
    """Webhook endpoints and the events each receives."""
    subs = session.scalars(select(Subscription).order_by(Subscription.id)).all()
    return list_response(request, [_out(s) for s in subs], None)


@router.post("/subscriptions", status_code=201)
def create_subscription(
    body: SubscriptionIn, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Add an endpoint. The signing secret is in this answer only: keep it."""
    _check_events(body.events)
    check_url(body.url, settings.webhook_allow_private_urls, settings.webhook_allow_loopback)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    sub = Subscription(
        url=body.url,
        events=body.events,
        secret=secret,
        description=body.description,
        active=True,
        consecutive_failures=0,
        created_at=datetime.now(UTC),
    )
    session.add(sub)
    session.flush()
    return JSONResponse({**_out(sub), "secret": secret}, status_code=201)


@router.patch("/subscriptions/{sub_id}")
def patch_subscription(
    sub_id: RowId, body: SubscriptionPatch, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Change an endpoint; `active: true` re-enables one that was disabled."""
    sub = _get(session, sub_id)
    fields = body.model_dump(exclude_unset=True)
    if "events" in fields:
        _check_events(fields["events"])
    if "url" in fields:
        check_url(
            fields["url"], settings.webhook_allow_private_urls, settings.webhook_allow_loopback
        )
    if fields.get("active") is True:
        sub.consecutive_failures, sub.disabled_at = 0, None
    for name, value in fields.items():
        setattr(sub, name, value)
    session.flush()
    return JSONResponse(_out(sub))


@router.delete("/subscriptions/{sub_id}", status_code=204)
def delete_subscription(sub_id: RowId, session: SessionDep) -> Response:
    """Stop sending to an endpoint (its delivery log is kept)."""
    sub = _get(session, sub_id)
    sub.active = False
    sub.events = []
    return Response(status_code=204)


@router.get("/subscriptions/{sub_id}/deliveries", response_model=DeliveryList)
def list_deliveries(
    request: Request, sub_id: RowId, session: SessionDep, format: FormatQuery = None
) -> Response:
    """The endpoint's deliveries, newest first, each with every attempt."""
    _get(session, sub_id)
    deliveries = session.scalars(
        select(Delivery)
        .where(Delivery.subscription_id == sub_id)
        .order_by(Delivery.id.desc())
        .limit(200)
    ).all()
    attempts: dict[int, list[dict[str, Any]]] = {}
    if deliveries:
        for a in session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
            .order_by(DeliveryAttempt.id)
        ):
            attempts.setdefault(a.delivery_id, []).append(
                {
                    "at": a.at.isoformat(),
                    "status_code": a.status_code,
                    "latency_ms": a.latency_ms,
                    "response": a.response_snippet,
                    "error": a.error,
                }
            )
    data = [
        {
            "id": d.id,
            "event_id": d.event_id,
            "event_type": d.event_type,
            "status": d.status,
            "attempts": d.attempts,
            "next_attempt_at": d.next_attempt_at.isoformat(),
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "log": attempts.get(d.id, []),
        }
        for d in deliveries
    ]
    return list_response(request, data, None)


@router.post("/subscriptions/{sub_id}/test", status_code=202)
def test_subscription(sub_id: RowId, session: SessionDep) -> JSONResponse:
    """Queue a `ping` delivery to this endpoint only."""
    _get(session, sub_id)
    now = datetime.now(UTC)
    event_id = f"msg_{secrets.token_hex(16)}"
    delivery = ping_delivery(sub_id, event_id, now)
    session.add(delivery)
    session.flush()
    return JSONResponse({"delivery_id": delivery.id, "event_id": event_id}, status_code=202)


@router.post("/deliveries/{delivery_id}/redeliver", status_code=202)
def redeliver(delivery_id: RowId, session: SessionDep) -> JSONResponse:
    """Send a delivery again now, whatever its state.

    Both columns are written whatever this request read: set through the ORM, a status
    read as "pending" while an attempt was in flight was left out of the UPDATE, and that
    attempt, ending meanwhile, marked the delivery delivered over the request."""
    if session.get(Delivery, delivery_id) is None:
        raise NotFound(f"no delivery {delivery_id}")
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="pending", next_attempt_at=datetime.now(UTC))
    )
    return JSONResponse({"delivery_id": delivery_id, "status": "pending"}, status_code=202)
