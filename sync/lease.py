"""Leases in the database: each scheduled pull runs on exactly one replica at a time.

A lease row with an expiry works on PostgreSQL and SQLite alike, needs no extra service, and
frees itself when the replica holding it dies (the expiry passes). Taking a lease is one
atomic ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired or ours``.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from art.models import Lease


def holder_id() -> str:
    """Who this process is, for the lease row (host, pid and a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(sessions: sessionmaker[Session], name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``ttl``; False when another holder has it."""
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(Lease).values(name=name, holder=holder, expires_at=now + ttl)
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
