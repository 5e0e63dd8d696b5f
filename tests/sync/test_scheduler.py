"""Scheduled pulls and the inbox job: leases make concurrent workers run each once; a
delivery is parsed once per process; a stopping worker ends its pull after a whole batch."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from art.errors import NotFound
from art.models import InboxEvent, Lease, SyncRun, Watermark, WorkItem
from art.records import RecordBatch
from art.store.lease import release, try_acquire
from connectors.base import WebhookEvent
from sync.runner import PullRunner
from sync.scheduler import SyncService, run_leased_pull
from sync.structure import apply_config
from tests.sync import fake_connector
from tests.sync.fake_connector import FakeConnector, make_items
from tests.sync.test_pull import CONFIG


class SlowConnector(FakeConnector):
    """Holds each page a moment, so two schedulers really overlap."""

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        for batch in super().pull(since):
            time.sleep(0.05)
            yield batch


def test_two_schedulers_run_one_pull(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(12)
    results: dict[str, object] = {}
    start = threading.Barrier(2)

    def replica(name: str) -> None:
        start.wait()
        results[name] = run_leased_pull(
            sessions,
            CONFIG,
            CONFIG.source("fake"),
            False,
            name,
            connector=SlowConnector(items, page=3),
        )

    threads = [threading.Thread(target=replica, args=(n,)) for n in ("replica-a", "replica-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ran = [n for n, r in results.items() if r is not None]
    assert len(ran) == 1
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(SyncRun)) == 1
        assert s.scalars(select(SyncRun.status)).one() == "succeeded"


def test_a_worker_pulls_at_once_then_on_its_schedule(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    fake_connector.SHARED_TRUTH[:] = make_items(5)
    service = SyncService(sessions, CONFIG)
    scheduler = BackgroundScheduler(timezone="UTC")
    service.schedule(scheduler, pulls=True, first_full=False)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == ["full:fake", "inbox:fake", "incremental:fake"]
    assert jobs["inbox:fake"].trigger.interval.total_seconds() == 0.5
    assert jobs["incremental:fake"].trigger.interval.total_seconds() == 300
    assert (
        str(jobs["full:fake"].trigger)
        == "cron[month='*', day='*', day_of_week='*', hour='2', minute='0']"
    )
    scheduler.start()  # the incremental job runs at once, not in five minutes
    try:
        deadline = time.monotonic() + 20
        while True:
            with sessions() as s:
                done = s.scalars(select(SyncRun.status)).all()
            if done == ["succeeded"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        service.stop()
        scheduler.shutdown(wait=True)
        service.close()
    assert done == ["succeeded"]
    with sessions() as s:
        assert (
            s.scalars(select(Watermark.value)).one()
            == max(i.updated for i in fake_connector.SHARED_TRUTH).isoformat()
        )


def test_a_run_abandoned_by_a_dead_replica_is_closed_by_the_next_leased_pull(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(4)
    source = CONFIG.source("fake")
    # a replica took the lease, started a run and was SIGKILLed: its lease is held, then expires
    assert try_acquire(sessions, "pull:fake", "dead-replica", timedelta(minutes=30))
    dead = PullRunner(sessions, CONFIG, source, connector=FakeConnector(items))
    with sessions() as s, s.begin():
        s.add(
            SyncRun(
                source_id=dead.source_id,
                mode="full",
                status="running",
                item_errors=[],
                started_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
            )
        )
    assert run_leased_pull(sessions, CONFIG, source, False, "live-replica") is None
    with sessions() as s:
        assert list(s.scalars(select(SyncRun.status))) == ["running"]  # the lease still holds
    with sessions() as s, s.begin():
        s.execute(update(Lease).values(expires_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC)))
    result = run_leased_pull(
        sessions, CONFIG, source, False, "live-replica", connector=FakeConnector(items)
    )
    assert result is not None and result.status == "succeeded"
    with sessions() as s:
        runs = s.execute(select(SyncRun.status, SyncRun.error).order_by(SyncRun.id)).all()
    assert [tuple(r) for r in runs] == [
        (
            "failed",
            "abandoned: the process running this pull stopped before it finished "
            "(its lease expired); it had committed fetched 0, created 0, updated 0, "
            "deleted 0, skipped 0 in 0 requests",
        ),
        ("succeeded", None),
    ]


# -- the worker's sync jobs (issue 13) ----------------------------------------------------
def _service(sessions: sessionmaker[Session]) -> SyncService:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    return SyncService(sessions, CONFIG)


def _delivery(delivery: str, key: str) -> bytes:
    return json.dumps({"delivery": delivery, "key": key, "rev": 1}).encode()


def _inbox(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as s:
        rows = s.execute(select(InboxEvent.delivery_id, InboxEvent.status).order_by(InboxEvent.id))
        return [(d, st) for d, st in rows]


def test_a_delivery_is_parsed_once_by_the_process_that_receives_and_drains_it(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_connector.SHARED_TRUTH[:] = make_items(3)
    parsed: list[bytes] = []
    parse = FakeConnector.parse_webhook

    def counted(self: FakeConnector, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        parsed.append(body)
        return parse(self, headers, body)

    monkeypatch.setattr(FakeConnector, "parse_webhook", counted)
    start = _service(sessions)  # web and worker in one process, as `trainyard start` runs
    start.schedule(BackgroundScheduler(timezone="UTC"), pulls=False, first_full=False)
    first = _delivery("d-1", "PHX-1")
    assert start.receive("fake", "fake", {}, first).status == "pending"
    assert start.drain("fake") == 1
    assert parsed == [first]
    # `trainyard serve` apart from the worker: the worker has the stored bytes only
    web = SyncService(sessions, CONFIG)
    second = _delivery("d-2", "PHX-2")
    web.receive("fake", "fake", {}, second)
    assert start.drain("fake") == 1
    assert parsed == [first, second, second]
    assert _inbox(sessions) == [("d-1", "applied"), ("d-2", "applied")]


def test_an_inbox_another_worker_drains_is_left_to_it(sessions: sessionmaker[Session]) -> None:
    fake_connector.SHARED_TRUTH[:] = make_items(2)
    service = _service(sessions)
    with pytest.raises(NotFound) as unknown:
        service.receive("fake", "jira", {}, _delivery("d-0", "PHX-1"))
    assert str(unknown.value) == "no jira source named 'fake' is configured"
    service.receive("fake", "fake", {}, _delivery("d-1", "PHX-1"))
    assert try_acquire(sessions, "inbox:fake", "other-worker", timedelta(seconds=30))
    assert service.drain("fake") == 0
    assert _inbox(sessions) == [("d-1", "pending")]
    release(sessions, "inbox:fake", "other-worker")
    assert service.drain("fake") == 1
    assert _inbox(sessions) == [("d-1", "applied")]
    with sessions() as s:
        assert s.get(Lease, "inbox:fake") is None  # given back once the inbox is empty


def test_a_stopping_worker_ends_its_pull_after_the_batch_it_committed(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    items = fake_connector.SHARED_TRUTH[:] = make_items(9)  # three batches of three
    service = _service(sessions)
    pull = FakeConnector.pull

    def signalled(self: FakeConnector, since: str | None) -> Iterator[RecordBatch]:
        for number, batch in enumerate(pull(self, since), start=1):
            if number == 1:
                service.stop()  # SIGTERM while the first batch is on its way
            yield batch

    monkeypatch.setattr(FakeConnector, "pull", signalled)
    result = service.pull("fake", full=False)
    assert result is not None
    assert (result.status, result.error) == (
        "failed",
        "PullStopped: the process running this pull is stopping; the batches committed so "
        "far are kept and the next pull resumes from them",
    )
    with sessions() as s:
        stored = set(s.scalars(select(WorkItem.key)))
        assert len(stored) == 3  # the first batch, and only it
        newest = max(i.updated for i in items if i.key in stored)
        assert s.scalars(select(Watermark.value)).one() == newest.isoformat()
        assert s.get(Lease, "pull:fake") is None
    assert service.pull("fake", full=False) is None  # a stopping worker starts no pull
