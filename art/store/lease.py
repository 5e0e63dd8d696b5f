"""Leases in the database: a piece of work (a pull, a digest) runs on one holder at a time.

A lease row with an expiry works on PostgreSQL and SQLite alike, needs no extra service, and
frees itself when its holder dies (the expiry passes). Taking a lease is one atomic
``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired or ours``. Long work holds a short lease
and renews it from a :class:`Heartbeat` thread, so a holder that dies frees it within one
expiry instead of blocking the work for the length of the longest run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from art.models import Lease
from art.store.upsert import dialect_insert

log = logging.getLogger(__name__)


def holder_id() -> str:
    """A new holder: host, pid and a random part, so two holders in one process differ."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(
    sessions: sessionmaker[Session],
    name: str,
    holder: str,
    ttl: timedelta,
    now: datetime | None = None,
) -> bool:
    """Take or renew the lease ``name`` until ``now + ttl``; False when another holder has it.

    ``now`` defaults to the clock; tests pass it to drive time.
    """
    now = now or datetime.now(UTC)
    with sessions() as session, session.begin():
        stmt = dialect_insert(session, Lease).values(name=name, holder=holder, expires_at=now + ttl)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + ttl},
            where=(Lease.expires_at < now) | (Lease.holder == holder),
        )
        session.execute(stmt)
        current = session.scalars(select(Lease.holder).where(Lease.name == name)).one()
    return current == holder


def release(sessions: sessionmaker[Session], name: str, holder: str) -> None:
    """Give the lease back early (only if we still hold it)."""
    with sessions() as session, session.begin():
        session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds a live lease, and until when unless it renews it."""

    holder: str
    expires_at: datetime


def live_holder(
    sessions: sessionmaker[Session], name: str, now: datetime | None = None
) -> LeaseHolder | None:
    """The holder of lease ``name`` while it is live; None when it is free or expired."""
    now = now or datetime.now(UTC)
    with sessions() as session:
        row = session.get(Lease, name)
        if row is None or row.expires_at < now:
            return None
        return LeaseHolder(row.holder, row.expires_at)


class Heartbeat:
    """Renews a held lease every ``ttl / 3`` from a thread of its own while the work runs.

    Renewing from a thread (not between units of work) keeps the lease while one unit is
    slow, e.g. a tracker answering a page after minutes of retries. When a renewal finds the
    lease taken by another holder (this holder stalled past the expiry), ``lost`` is set: the
    work should stop, its lease is someone else's now.
    """

    def __init__(
        self, sessions: sessionmaker[Session], name: str, holder: str, ttl: timedelta
    ) -> None:
        self.sessions = sessions
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.renewals = 0
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease:{name}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        interval = self.ttl.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                held = try_acquire(self.sessions, self.name, self.holder, self.ttl)
            except Exception:  # a database hiccup: the next beat tries again within the ttl
                log.warning("lease %s could not be renewed; retrying", self.name, exc_info=True)
                continue
            if not held:
                log.error("lease %s was taken over by another holder: stopping", self.name)
                self.lost.set()
                return
            self.renewals += 1
