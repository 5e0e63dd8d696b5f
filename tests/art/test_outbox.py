"""The outbox: an event is a row of the writer's own transaction, so it stands or falls with
the change behind it. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import OutboxEvent
from art.store.outbox import emit


def _events(sessions: sessionmaker[Session]) -> list[tuple[str, str, dict[str, object]]]:
    with sessions() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        return [(e.event_id, e.type, e.payload["data"]) for e in rows]


def test_an_event_is_queued_with_the_transaction_that_emits_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s, s.begin():
        kept = emit(s, "risk.changed", {"id": 7})
    with pytest.raises(RuntimeError), sessions() as s, s.begin():
        emit(s, "risk.changed", {"id": 8})
        raise RuntimeError("the change behind the event failed")
    assert kept.startswith("msg_")
    assert _events(sessions) == [(kept, "risk.changed", {"id": 7})]


def test_an_unknown_event_type_is_refused_naming_it(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin(), pytest.raises(ValueError) as refused:
        emit(s, "ticket.moved", {})
    assert str(refused.value) == "unknown event type 'ticket.moved'"
    assert _events(sessions) == []
