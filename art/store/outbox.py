"""The outbox: events are rows written in the same transaction as the change behind them.

Writing the event with the change means no event is lost when the process dies between the
two, and none is sent for a change that rolled back. A dispatcher fans them out to the
subscriptions afterwards.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from art.models import OutboxEvent

EVENT_TYPES = (
    "item.changed",
    "dependency.status_changed",
    "predictability.changed",
    "objective.changed",
    "risk.changed",
    "sync.completed",
    "sync.failed",
)


def emit(session: Session, event_type: str, data: dict[str, Any]) -> str:
    """Queue one event in the caller's transaction; returns its id (``msg_...``)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type '{event_type}'")
    event_id = f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    session.add(
        OutboxEvent(
            event_id=event_id,
            type=event_type,
            payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
            created_at=now,
            dispatched=False,
        )
    )
    return event_id
