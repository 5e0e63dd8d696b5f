"""Leases: one holder at a time, renewable by its holder, free once expired."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from sync.lease import release, try_acquire

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
