"""The webhook inbox: stored once, applied in order, failures kept without blocking."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import InboxEvent, WorkItem
from sync.apply import BatchApplier
from sync.inbox import InboxWorker, receive
from sync.runner import PullRunner, source_row
from sync.structure import apply_config
from tests.sync.fake_connector import T0, FakeConnector, make_items
from tests.sync.test_pull import CONFIG


@pytest.fixture
def setup(sessions: sessionmaker[Session]) -> tuple[sessionmaker[Session], int, int]:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
        row = source_row(s, "fake")
        assert row.art_id is not None
        return sessions, row.id, row.art_id


def _body(delivery: str, key: str | None, rev: int = 1) -> bytes:
    data: dict[str, object] = {"delivery": delivery, "rev": rev}
    if key is not None:
        data["key"] = key
    return json.dumps(data).encode()


def _events(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None]]:
    with sessions() as s:
        rows = s.execute(
            select(InboxEvent.delivery_id, InboxEvent.status, InboxEvent.error).order_by(
                InboxEvent.id
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _statuses(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as s:
        return dict(s.execute(select(WorkItem.key, WorkItem.status)).tuples().all())


def test_duplicate_delivery_is_stored_once_and_applied_once(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, art_id = setup
    items = make_items(3)
    conn = FakeConnector(items)
    first = receive(sessions, source_id, conn, {}, _body("d-1", "PHX-2"))
    again = receive(sessions, source_id, conn, {}, _body("d-1", "PHX-2"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.event_id == again.event_id
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    assert worker.process_pending() == 1
    assert worker.process_pending() == 0
    assert _events(sessions) == [("d-1", "applied", None)]
    # an item the store did not have was fetched whole
    assert _statuses(sessions) == {"PHX-2": items[1].status}


def test_malformed_event_is_kept_failed_and_the_next_applies(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, art_id = setup
    items = make_items(2)
    conn = FakeConnector(items)
    bad = receive(sessions, source_id, conn, {}, _body("d-bad", None))
    assert bad.status == "failed"
    receive(sessions, source_id, conn, {}, _body("d-2", "PHX-1"))
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    worker.process_pending()
    events = _events(sessions)
    assert events[0][1:] == ("failed", "delivery d-bad: no 'key' in the body")
    assert events[0][0].startswith("sha256:")
    assert events[1] == ("d-2", "applied", None)
    assert _statuses(sessions) == {"PHX-1": items[0].status}


def test_same_revision_under_a_new_delivery_id_is_a_duplicate(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, art_id = setup
    conn = FakeConnector(make_items(2))
    receive(sessions, source_id, conn, {}, _body("d-1", "PHX-1", rev=7))
    receive(sessions, source_id, conn, {}, _body("d-2", "PHX-1", rev=7))
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    worker.process_pending()
    assert [e[:2] for e in _events(sessions)] == [("d-1", "applied"), ("d-2", "duplicate")]


def test_webhooks_in_any_order_converge_to_the_pulled_state(
    setup: tuple[sessionmaker[Session], int, int], tmp_path: object
) -> None:
    sessions, source_id, art_id = setup
    items = make_items(6)
    conn = FakeConnector(items)
    PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=conn).run()
    items[1].move("Done", T0 + timedelta(days=5))
    items[4].move("In Progress", T0 + timedelta(days=6))
    # deliveries arrive out of order and one is repeated
    for delivery, key, rev in [("e2", "PHX-5", 2), ("e1", "PHX-2", 2), ("e2", "PHX-5", 2)]:
        receive(sessions, source_id, conn, {}, _body(delivery, key, rev))
    InboxWorker(
        sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn
    ).process_pending()
    pushed = _statuses(sessions)
    assert pushed["PHX-2"] == "Done" and pushed["PHX-5"] == "In Progress"
    PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=FakeConnector(items)).run(
        full=True
    )
    assert _statuses(sessions) == pushed == {i.key: i.status for i in items}
