"""Fan outbox events out to the subscriptions that want them, as delivery rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from art.models import Delivery, OutboxEvent, Subscription
from art.store.upsert import insert_ignore


def ping_delivery(subscription_id: int, event_id: str, now: datetime) -> Delivery:
    """A `ping` delivery to one endpoint, due at once: what the endpoint's test sends."""
    return Delivery(
        subscription_id=subscription_id,
        event_id=event_id,
        event_type="ping",
        payload={"type": "ping", "timestamp": now.isoformat(), "data": {}},
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


def wants(subscription_events: list[str], event_type: str) -> bool:
    return "*" in subscription_events or event_type in subscription_events


def dispatch(session: Session, limit: int = 1000) -> int:
    """Turn undispatched outbox events into deliveries; returns events dispatched."""
    events = session.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.dispatched.is_(False))
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()
    if not events:
        return 0
    subs = session.scalars(select(Subscription).where(Subscription.active.is_(True))).all()
    now = datetime.now(UTC)
    rows = [
        {
            "subscription_id": sub.id,
            "event_id": ev.event_id,
            "event_type": ev.type,
            "payload": ev.payload,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "delivered_at": None,
        }
        for ev in events
        for sub in subs
        if wants(list(sub.events), ev.type)
    ]
    insert_ignore(session, Delivery, rows, ["subscription_id", "event_id"])
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_([e.id for e in events]))
        .values(dispatched=True)
    )
    return len(events)
