"""Dialect upserts in the store: the same ``INSERT ... ON CONFLICT`` on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import Lease
from art.store.upsert import insert_ignore, upsert

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def _leases(sessions: sessionmaker[Session]) -> list[tuple[str, str, datetime]]:
    with sessions() as s:
        rows = s.execute(select(Lease.name, Lease.holder, Lease.expires_at).order_by(Lease.name))
        return [(name, holder, at) for name, holder, at in rows]


def test_insert_ignore_skips_colliding_rows_and_counts_the_inserted(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s, s.begin():
        first = [{"name": "a", "holder": "h1", "expires_at": T0}]
        assert insert_ignore(s, Lease, first, ["name"]) == 1
    with sessions() as s, s.begin():
        rows = [
            {"name": "a", "holder": "h2", "expires_at": T0 + timedelta(hours=1)},
            {"name": "b", "holder": "h2", "expires_at": T0},
        ]
        assert insert_ignore(s, Lease, rows, ["name"]) == 1
        assert insert_ignore(s, Lease, [], ["name"]) == 0
    assert _leases(sessions) == [("a", "h1", T0), ("b", "h2", T0)]


def test_upsert_overwrites_only_the_update_columns(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        upsert(s, Lease, [{"name": "a", "holder": "h1", "expires_at": T0}], ["name"], ["holder"])
    later = T0 + timedelta(hours=1)
    with sessions() as s, s.begin():
        rows = [
            {"name": "a", "holder": "h2", "expires_at": later},
            {"name": "b", "holder": "h3", "expires_at": later},
        ]
        upsert(s, Lease, rows, ["name"], ["holder"])
    assert _leases(sessions) == [("a", "h2", T0), ("b", "h3", later)]
