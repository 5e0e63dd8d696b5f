"""Many rows at once: PostgreSQL takes them through COPY, with the same outcome as few rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import Lease
from art.store.upsert import COPY_MIN_ROWS, insert_ignore, upsert

T0 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
MANY = COPY_MIN_ROWS + 100


def _rows(holder: str, at: datetime, names: range) -> list[dict[str, object]]:
    return [{"name": f"lease-{n:04}", "holder": holder, "expires_at": at} for n in names]


def _leases(sessions: sessionmaker[Session]) -> dict[str, tuple[str, datetime]]:
    with sessions() as s:
        rows = s.execute(select(Lease.name, Lease.holder, Lease.expires_at))
        return {name: (holder, at) for name, holder, at in rows}


def test_many_rows_insert_ignore_counts_only_the_new(sessions: sessionmaker[Session]) -> None:
    with sessions() as s, s.begin():
        assert insert_ignore(s, Lease, _rows("h1", T0, range(MANY)), ["name"]) == MANY
    with sessions() as s, s.begin():  # half known, half new, one new row twice
        rows = _rows("h2", T0, range(MANY // 2, MANY + MANY // 2))
        rows.append(dict(rows[-1]))
        assert insert_ignore(s, Lease, rows, ["name"]) == MANY // 2
    stored = _leases(sessions)
    assert len(stored) == MANY + MANY // 2
    assert stored["lease-0000"] == ("h1", T0)
    assert stored[f"lease-{MANY:04}"] == ("h2", T0)


def test_many_rows_upsert_overwrites_the_update_columns_last_row_winning(
    sessions: sessionmaker[Session],
) -> None:
    later = T0 + timedelta(hours=1)
    with sessions() as s, s.begin():
        upsert(s, Lease, _rows("h1", T0, range(MANY)), ["name"], ["holder"])
    with sessions() as s, s.begin():
        rows = _rows("h2", later, range(1, MANY + 1))
        rows.append({"name": "lease-0001", "holder": "h3", "expires_at": later})
        upsert(s, Lease, rows, ["name"], ["holder"])
    stored = _leases(sessions)
    assert len(stored) == MANY + 1
    assert stored["lease-0000"] == ("h1", T0)
    assert stored["lease-0001"] == ("h3", T0)  # the last of its rows; expires_at kept
    assert stored["lease-0002"] == ("h2", T0)
    assert stored[f"lease-{MANY:04}"] == ("h2", later)  # new: every column
