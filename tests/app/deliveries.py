"""A subscription with one pending ping delivery, written straight to the store: what the
delivery tests start from (the route that queues a ping would need a running app)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from app.outgoing.dispatcher import ping_delivery
from art.models import Delivery, Subscription


def pending_delivery(
    sessions: sessionmaker[Session], url: str, event_id: str = "msg_test"
) -> tuple[Delivery, Subscription]:
    """A new active subscription to ``url`` and a ping delivery to it, due now."""
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        sub = Subscription(
            url=url,
            events=["*"],
            secret="whsec_" + "A" * 32,
            active=True,
            consecutive_failures=0,
            created_at=now,
        )
        session.add(sub)
        session.flush()
        delivery = ping_delivery(sub.id, event_id, now)
        session.add(delivery)
    return delivery, sub
