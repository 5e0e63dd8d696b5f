"""The pull's lease (issue 12): held by the pull, not its process, so a second pull of a source
is refused while one runs (409 in the API); short, renewed by a heartbeat while the pull runs,
so a dead holder frees its source within a minute and the next pull closes its run with the
counts it had committed. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.config import PIConfig, SourceConfig, TrainyardConfig
from art.models import Lease, SyncRun
from art.records import RecordBatch
from art.store.lease import LeaseHolder, live_holder, try_acquire
from connectors.base import register
from sync.apply import ApplyCounts
from sync.pull_lease import LEASE_TTL, run_leased_pull
from sync.runner import PullRunner
from sync.structure import apply_config
from tests.conftest import bearer
from tests.sync.fake_connector import FakeConnector, make_items
from tests.sync.test_pull import CONFIG, Killed, KilledAfter

# -- the pull's lease: short, renewed by a heartbeat, one per pull (issue 12, items 8 and 9) --


def _ready(sessions: sessionmaker[Session]) -> SourceConfig:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    return CONFIG.source("fake")


def test_a_dead_holders_lease_is_free_after_its_short_expiry(
    sessions: sessionmaker[Session],
) -> None:
    t0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert timedelta(seconds=60) == LEASE_TTL
    assert try_acquire(sessions, "pull:fake", "dead-pull", LEASE_TTL, now=t0) is True
    # its last renewal was at t0: the lease holds for one expiry, then anyone may take it
    later = t0 + timedelta(seconds=59)
    assert try_acquire(sessions, "pull:fake", "next-pull", LEASE_TTL, now=later) is False
    assert live_holder(sessions, "pull:fake", now=later) == LeaseHolder(
        "dead-pull", t0 + timedelta(seconds=60)
    )
    after = t0 + timedelta(seconds=61)
    assert live_holder(sessions, "pull:fake", now=after) is None
    assert try_acquire(sessions, "pull:fake", "next-pull", LEASE_TTL, now=after) is True


def test_a_pull_after_a_crash_closes_the_dead_run_with_what_it_committed(
    sessions: sessionmaker[Session],
) -> None:
    source = _ready(sessions)
    items = make_items(10)
    with pytest.raises(Killed):  # two batches of three committed, then the process died
        PullRunner(sessions, CONFIG, source, connector=KilledAfter(items, 3, 2)).run()
    # its lease was last renewed 61 seconds ago
    gone = datetime.now(UTC) - timedelta(seconds=61)
    assert try_acquire(sessions, "pull:fake", "dead-pull", LEASE_TTL, now=gone)
    result = run_leased_pull(
        sessions, CONFIG, source, False, connector=FakeConnector(items, page=3)
    )
    assert result is not None and result.status == "succeeded"
    assert (result.counts.fetched, result.counts.created) == (4, 4)  # after the watermark
    with sessions() as s:
        runs = s.execute(
            select(SyncRun.status, SyncRun.fetched, SyncRun.created, SyncRun.error).order_by(
                SyncRun.id
            )
        ).all()
        assert s.get(Lease, "pull:fake") is None  # given back
    assert [tuple(r) for r in runs] == [
        (
            "failed",
            6,
            6,
            "abandoned: the process running this pull stopped before it finished (its lease "
            "expired); it had committed fetched 6, created 6, updated 0, deleted 0, skipped 0 "
            "in 2 requests",
        ),
        ("succeeded", 4, 4, None),
    ]


def test_the_heartbeat_keeps_the_lease_while_a_pull_runs_past_its_expiry(
    sessions: sessionmaker[Session],
) -> None:
    source = _ready(sessions)
    ttl = timedelta(seconds=0.6)
    seen: list[LeaseHolder] = []

    def outlive_the_lease(_batch: RecordBatch, _counts: ApplyCounts) -> None:
        """The first batch is slow: it ends after the lease's first expiry, renewals or not."""
        if seen:
            return
        first = live_holder(sessions, "pull:fake")
        assert first is not None
        seen.append(first)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with sessions() as s:
                row = s.get(Lease, "pull:fake")
                assert row is not None
                if datetime.now(UTC) > first.expires_at and row.expires_at > first.expires_at + ttl:
                    seen.append(LeaseHolder(row.holder, row.expires_at))
                    # another pull coming at the first expiry finds the source held
                    at_expiry = first.expires_at + timedelta(milliseconds=1)
                    assert not try_acquire(sessions, "pull:fake", "pull-b", ttl, now=at_expiry)
                    return
            time.sleep(0.01)
        raise AssertionError("the lease was not renewed while the pull ran")

    result = run_leased_pull(
        sessions,
        CONFIG,
        source,
        True,
        "pull-a",
        connector=FakeConnector(make_items(6), page=3),
        on_batch=outlive_the_lease,
        ttl=ttl,
    )
    assert result is not None and result.status == "succeeded"
    first, renewed = seen
    assert first.holder == renewed.holder == "pull-a"
    with sessions() as s:
        assert s.get(Lease, "pull:fake") is None  # given back at the end


# -- POST /api/v1/sources/{name}/sync: one pull of a source at a time, even in one process --


class GatedFake(FakeConnector):
    """Waits after its first batch until the test opens the gate."""

    kind: ClassVar[str] = "gated-fake"
    entered = threading.Event()
    gate = threading.Event()

    def __init__(self, source: SourceConfig, pis: list[PIConfig]) -> None:
        super().__init__(make_items(6), page=3)

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        for batch in super().pull(since):
            yield batch
            GatedFake.entered.set()
            GatedFake.gate.wait(timeout=60)


register(GatedFake)
GATED = TrainyardConfig.model_validate(
    {
        "arts": [{"name": "Phoenix", "teams": [{"name": "Blue"}, {"name": "Red"}]}],
        "sources": [
            {"name": "gated", "kind": "gated-fake", "url": "http://fake", "art": "Phoenix"}
        ],
    }
)


def _wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)


def test_a_second_sync_request_while_a_pull_runs_answers_409_and_leaves_it_running(
    store_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=store_url, data_dir=tmp_path / "data", scheduler=False)
    GatedFake.entered.clear()
    GatedFake.gate.clear()
    with TestClient(create_app(settings, GATED)) as client:
        sessions = client.app.state.trainyard.sessions  # type: ignore[attr-defined]
        with sessions() as s, s.begin():
            admin = bearer(create_token(s, "admin", ["admin"]))

        def runs() -> list[tuple[int, str, int]]:
            with sessions() as s:
                rows = s.execute(
                    select(SyncRun.id, SyncRun.status, SyncRun.fetched).order_by(SyncRun.id)
                )
                return [tuple(r) for r in rows]

        try:
            first = client.post("/api/v1/sources/gated/sync?full=true", headers=admin)
            assert first.status_code == 202, first.text
            assert GatedFake.entered.wait(timeout=60)
            # the connector runs ahead of the store: its first batch is committed soon after
            _wait_for(lambda: [r[2] for r in runs()] == [3], "the first batch was committed")
            [(run_id, status, _)] = runs()
            assert status == "running"
            second = client.post("/api/v1/sources/gated/sync?full=true", headers=admin)
            assert second.status_code == 409, second.text
            assert second.headers["content-type"] == "application/problem+json"
            problem = second.json()
            with sessions() as s:
                lease = s.get(Lease, "pull:gated")
                assert lease is not None
                started = s.get(SyncRun, run_id).started_at  # type: ignore[union-attr]
            assert (problem["status"], problem["title"]) == (409, "Pull already running")
            assert problem["detail"].startswith(
                f"another pull of source 'gated' is running: sync run {run_id} (full, started "
                f"{started.isoformat(timespec='seconds')}); it holds the lease 'pull:gated' as "
                f"{lease.holder} until "
            )
            assert runs() == [(run_id, "running", 3)]  # the live run is left alone
        finally:
            GatedFake.gate.set()
        _wait_for(lambda: runs()[0][1] != "running", "the first pull ended")
        assert runs() == [(run_id, "succeeded", 6)]
        # the pull gave its lease back: the next request starts a pull
        third = client.post("/api/v1/sources/gated/sync", headers=admin)
        assert third.status_code == 202, third.text
        _wait_for(lambda: [r[1] for r in runs()][1:] == ["succeeded"], "the third pull ended")
        assert [status for _, status, _ in runs()] == ["succeeded", "succeeded"]
