"""The webhook inbox: stored once, applied in order, failures kept without blocking."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import ART, InboxEvent, WorkItem
from art.records import RecordBatch
from sync.apply import BatchApplier
from sync.inbox import InboxWorker, receive
from sync.runner import PullRunner, source_row
from sync.structure import apply_config
from tests.sync.fake_connector import T0, FakeConnector, FakeItem, make_items
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
        return {key: status for key, status in s.execute(select(WorkItem.key, WorkItem.status))}


def _data_version(sessions: sessionmaker[Session], art_id: int) -> int:
    with sessions() as s:
        return s.scalars(select(ART.data_version).where(ART.id == art_id)).one()


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


def _pushed(
    setup: tuple[sessionmaker[Session], int, int], size: int, moved: range, prefix: str
) -> tuple[list[FakeItem], FakeConnector, InboxWorker]:
    """A pulled store, then ``moved`` items set to Done in the tracker, one delivery each."""
    sessions, source_id, art_id = setup
    items = make_items(size)
    conn = FakeConnector(items)
    PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=conn).run()
    for n in moved:
        items[n].move("Done", T0 + timedelta(days=9, minutes=n))
        receive(sessions, source_id, conn, {}, _body(f"{prefix}-{n}", items[n].key, rev=2))
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    return items, conn, worker


def test_a_burst_is_applied_with_one_fetch_and_one_version_bump(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, art_id = setup
    items, conn, worker = _pushed(setup, 40, range(30), "b")
    version = _data_version(sessions, art_id)
    receive(sessions, source_id, conn, {}, _body("b-dup", items[0].key, rev=2))  # a redelivery
    assert worker.process_pending() == 31
    assert conn.fetched == [sorted(i.key for i in items[:30])]
    assert _data_version(sessions, art_id) == version + 1
    assert [s for _, s, _ in _events(sessions)] == ["applied"] * 30 + ["duplicate"]
    assert _statuses(sessions) == {i.key: i.status for i in items}


def test_an_event_that_breaks_its_group_fails_alone(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions = setup[0]
    items, conn, worker = _pushed(setup, 4, range(4), "g")
    conn.unreadable = {"PHX-3"}
    assert worker.process_pending() == 4
    assert conn.fetched == [
        ["PHX-1", "PHX-2", "PHX-3", "PHX-4"],
        ["PHX-1"],
        ["PHX-2"],
        ["PHX-3"],
        ["PHX-4"],
    ]
    assert _events(sessions) == [
        ("g-0", "applied", None),
        ("g-1", "applied", None),
        ("g-2", "failed", "BadPayload: fake tracker: ['PHX-3'] unreadable"),
        ("g-3", "applied", None),
    ]
    statuses = _statuses(sessions)
    assert [statuses[i.key] for i in items] == ["Done", "Done", "In Progress", "Done"]


def test_a_tracker_outage_leaves_events_pending_until_it_answers(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions = setup[0]
    _, conn, worker = _pushed(setup, 3, range(1, 2), "o")
    conn.down = 1
    assert worker.process_pending() == 0
    with sessions() as s:
        row = s.execute(select(InboxEvent.status, InboxEvent.attempts, InboxEvent.error)).one()
    assert tuple(row) == ("pending", 1, "TrackerUnavailable: fake tracker: connection refused")
    assert 1.0 < worker.backoff() <= 2.0
    assert worker.process_pending() == 0  # backing off: the tracker is not asked again yet
    assert len(conn.fetched) == 1
    worker.retry_at = 0.0  # the backoff has passed
    assert worker.process_pending() == 1
    assert _events(sessions) == [("o-1", "applied", None)]
    assert _statuses(sessions)["PHX-2"] == "Done"


def test_an_outage_while_retrying_a_broken_group_alone_stops_the_retries(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions = setup[0]
    _, conn, worker = _pushed(setup, 4, range(4), "f")
    conn.unreadable = {"PHX-3"}  # breaks the group: the events are retried one by one
    original = conn.fetch

    def fetch(keys: list[str]) -> RecordBatch:
        if len(conn.fetched) == 1:  # the first one-by-one retry finds the tracker gone
            conn.down = 1
        return original(keys)

    conn.fetch = fetch  # type: ignore[method-assign]
    assert worker.process_pending() == 0
    assert conn.fetched == [["PHX-1", "PHX-2", "PHX-3", "PHX-4"], ["PHX-1"]]
    assert [s for _, s, _ in _events(sessions)] == ["pending"] * 4
    assert worker.backoff() > 0


def _deleted(sessions: sessionmaker[Session]) -> dict[str, bool]:
    with sessions() as s:
        return {key: gone for key, gone in s.execute(select(WorkItem.key, WorkItem.deleted))}


def _event(delivery: str, key: str, rev: int, **extra: object) -> bytes:
    return json.dumps({"delivery": delivery, "key": key, "rev": rev, **extra}).encode()


def test_another_event_of_the_same_item_revision_is_not_a_duplicate(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    """Azure DevOps sends workitem.created and workitem.deleted with the same id and rev."""
    sessions, source_id, art_id = setup
    conn = FakeConnector(make_items(2))
    PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=conn).run()
    del conn.items[0]  # PHX-1 is deleted in the tracker
    receive(sessions, source_id, conn, {}, _event("d-1", "PHX-1", 1))
    receive(sessions, source_id, conn, {}, _event("d-2", "PHX-1", 1, event="item_deleted"))
    receive(sessions, source_id, conn, {}, _event("d-3", "PHX-1", 1, event="item_deleted"))
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    assert worker.process_pending() == 3
    assert _events(sessions) == [
        ("d-1", "applied", None),
        ("d-2", "applied", None),
        ("d-3", "duplicate", None),  # the same event type and revision again
    ]
    assert _deleted(sessions) == {"PHX-1": True, "PHX-2": False}


OUTSIDE = "PHX-9 is in project OTHER, which source 'fake' does not read"


def test_an_event_about_an_item_out_of_scope_is_ignored_with_the_reason(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, art_id = setup
    conn = FakeConnector(make_items(2))
    first = receive(sessions, source_id, conn, {}, _event("d-1", "PHX-9", 3, outside=OUTSIDE))
    assert first.status == "pending"
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    assert worker.process_pending() == 1
    assert _events(sessions) == [("d-1", "ignored", OUTSIDE)]
    assert conn.fetched == []  # nothing asked of the tracker
    assert _deleted(sessions) == {}


def test_an_item_that_left_the_scope_is_deleted_as_a_pull_would(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, art_id = setup
    conn = FakeConnector(make_items(3))
    PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=conn).run()
    moved = "PHX-2 is in project OTHER, which source 'fake' does not read"
    receive(sessions, source_id, conn, {}, _event("d-1", "PHX-2", 4, outside=moved))
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    assert worker.process_pending() == 1
    assert _events(sessions) == [("d-1", "applied", None)]
    assert conn.fetched == []
    assert _deleted(sessions) == {"PHX-1": False, "PHX-2": True, "PHX-3": False}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"key": "PHX-\u0000", "rev": 1},
            "the item key 'PHX-\\x00' contains a NUL character",
        ),
        (
            {"key": "PHX-\ud800", "rev": 1},
            "the item key 'PHX-\\ud800' is not valid Unicode (a lone surrogate)",
        ),
        (
            {"key": "PHX-" + "1" * 97, "rev": 1},
            "the item key is 101 characters long; the inbox keeps at most 100",
        ),
        (
            {"key": "PHX-1", "rev": 1, "event": "e" * 101},
            "the event type is 101 characters long; the inbox keeps at most 100",
        ),
        (
            {"key": "PHX-1", "rev": 1, "event": "item_\u0000"},
            "the event type 'item_\\x00' contains a NUL character",
        ),
        (
            {"key": "PHX-1", "rev": 2**63},
            "the revision 9223372036854775808 does not fit a 64-bit integer",
        ),
        (
            {"key": "PHX-1", "rev": -(2**63) - 1},
            "the revision -9223372036854775809 does not fit a 64-bit integer",
        ),
        (
            {"key": "PHX-1", "rev": 10**30},
            "the revision 1000000000000000000000000000000 does not fit a 64-bit integer",
        ),
        (
            {"key": "PHX-1", "rev": 1, "delivery": "d-\ud83d"},
            "the delivery id 'd-\\ud83d' is not valid Unicode (a lone surrogate)",
        ),
        (
            {"key": "PHX-1", "rev": 1, "delivery": "d-\u0000"},
            "the delivery id 'd-\\x00' contains a NUL character",
        ),
    ],
    ids=[
        "nul-key",
        "surrogate-key",
        "long-key",
        "long-event",
        "nul-event",
        "revision-2**63",
        "revision-below-int64",
        "revision-10**30",
        "surrogate-delivery",
        "nul-delivery",
    ],
)
def test_values_the_inbox_cannot_hold_are_kept_failed_with_the_reason(
    setup: tuple[sessionmaker[Session], int, int], body: dict[str, object], error: str
) -> None:
    sessions, source_id, art_id = setup
    conn = FakeConnector(make_items(1))
    raw = json.dumps({"delivery": "d-hostile", **body}).encode()
    receipt = receive(sessions, source_id, conn, {}, raw)
    assert (receipt.status, receipt.duplicate) == ("failed", False)
    with sessions() as s:
        row = s.execute(
            select(
                InboxEvent.delivery_id,
                InboxEvent.event_type,
                InboxEvent.item_key,
                InboxEvent.revision,
                InboxEvent.status,
                InboxEvent.error,
                InboxEvent.body,
            )
        ).one()
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    assert tuple(row) == (digest, None, None, None, "failed", error, raw)
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    assert worker.process_pending() == 0  # nothing left to apply
    assert conn.fetched == []


def test_only_the_headers_worth_keeping_are_stored(
    setup: tuple[sessionmaker[Session], int, int],
) -> None:
    sessions, source_id, _ = setup
    conn = FakeConnector(make_items(1))
    headers = {
        "Content-Type": "application/json; charset=UTF-8",
        "Content-Length": "64",
        "User-Agent": "Atlassian Webhook HTTP Client \u0000",
        "X-Atlassian-Webhook-Identifier": "7a1b",
        "X-Atlassian-Webhook-Retry": "2",
        "X-Request-Id": "req-1",
        "Authorization": "Basic dHJhaW55YXJkOnMzY3JldA==",
        "X-Trainyard-Secret": "s3cret",
        "X-Hub-Signature": "sha256=" + "0" * 64,
        "Cookie": "session=abc",
        "X-Api-Key": "k",
        "Proxy-Authorization": "Basic eDp5",
        "X-Forwarded-For": "10.0.0.1",
    }
    receive(sessions, source_id, conn, headers, _body("d-1", "PHX-1"))
    with sessions() as s:
        stored = s.scalars(select(InboxEvent.headers)).one()
    assert stored == {
        "content-length": "64",
        "content-type": "application/json; charset=UTF-8",
        "user-agent": "Atlassian Webhook HTTP Client \\x00",
        "x-atlassian-webhook-identifier": "7a1b",
        "x-atlassian-webhook-retry": "2",
        "x-request-id": "req-1",
    }
