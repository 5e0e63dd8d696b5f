"""Leases in the store: one holder at a time, renewable by its holder, free once expired, and
kept by a heartbeat that notices when another holder took it over. On SQLite and PostgreSQL.

The pull's use of them (one pull per source, 409, abandoned runs) is in
tests/sync/test_pull_lease.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from art.store.lease import Heartbeat, LeaseHolder, live_holder, release, try_acquire

MINUTE = timedelta(minutes=1)


def test_one_holder_at_a_time(sessions: sessionmaker[Session]) -> None:
    assert try_acquire(sessions, "pull:jira", "replica-a", MINUTE) is True
    assert try_acquire(sessions, "pull:jira", "replica-b", MINUTE) is False
    assert try_acquire(sessions, "pull:jira", "replica-a", MINUTE) is True  # renewal
    assert try_acquire(sessions, "pull:ado", "replica-b", MINUTE) is True  # other lease


def test_expired_lease_is_taken_over(sessions: sessionmaker[Session]) -> None:
    assert try_acquire(sessions, "pull:jira", "dead-replica", -MINUTE) is True
    assert try_acquire(sessions, "pull:jira", "replica-b", MINUTE) is True
    assert try_acquire(sessions, "pull:jira", "dead-replica", MINUTE) is False


def test_release_frees_only_our_lease(sessions: sessionmaker[Session]) -> None:
    try_acquire(sessions, "pull:jira", "replica-a", MINUTE)
    release(sessions, "pull:jira", "replica-b")
    assert try_acquire(sessions, "pull:jira", "replica-b", MINUTE) is False
    release(sessions, "pull:jira", "replica-a")
    assert try_acquire(sessions, "pull:jira", "replica-b", MINUTE) is True


def test_a_heartbeat_renews_its_lease_until_another_holder_takes_it(
    sessions: sessionmaker[Session],
) -> None:
    ttl = timedelta(seconds=0.3)
    assert try_acquire(sessions, "digest:1", "worker-a", ttl) is True
    with Heartbeat(sessions, "digest:1", "worker-a", ttl) as beat:
        deadline = time.monotonic() + 30
        while beat.renewals < 2:
            assert time.monotonic() < deadline, "the heartbeat did not renew its lease"
            time.sleep(0.01)
        held = live_holder(sessions, "digest:1")
        assert held is not None and held.holder == "worker-a"
        # worker-a stalls past its expiry: worker-b, five minutes on, takes the lease
        later = datetime.now(UTC) + 5 * MINUTE
        assert try_acquire(sessions, "digest:1", "worker-b", MINUTE, now=later) is True
        assert beat.lost.wait(timeout=30), "the heartbeat did not notice the takeover"
        renewals = beat.renewals
        time.sleep(ttl.total_seconds())  # three beats' time, had it gone on
        assert beat.renewals == renewals  # it stopped beating when it lost the lease
    assert live_holder(sessions, "digest:1") == LeaseHolder("worker-b", later + MINUTE)
