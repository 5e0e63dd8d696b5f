"""Scheduled pulls: the lease makes concurrent schedulers run a pull exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from art.models import Lease, SyncRun, Watermark
from art.records import RecordBatch
from art.store.lease import try_acquire
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


def test_scheduled_job_pulls_and_advances_the_watermark(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    fake_connector.SHARED_TRUTH[:] = make_items(5)
    service = SyncService(sessions, CONFIG)
    service.start(schedule=True)
    try:
        jobs = {job.id: job for job in service.scheduler.get_jobs()}
        assert sorted(jobs) == ["full:fake", "incremental:fake"]
        assert jobs["incremental:fake"].trigger.interval.total_seconds() == 300
        assert (
            str(jobs["full:fake"].trigger)
            == "cron[month='*', day='*', day_of_week='*', hour='2', minute='0']"
        )
        # make the interval job due now instead of in five minutes
        jobs["incremental:fake"].modify(next_run_time=datetime.now(UTC))
        deadline = time.monotonic() + 20
        while True:
            with sessions() as s:
                done = s.scalars(select(SyncRun.status)).all()
            if done == ["succeeded"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    finally:
        service.stop()
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
