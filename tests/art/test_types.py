"""UTCDateTime: on SQLite the text it binds is the text SQLAlchemy's DATETIME would store; on
PostgreSQL every timestamp read is UTC, whatever the server's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Date, DateTime, cast, select, text
from sqlalchemy.dialects import postgresql, sqlite

from art.db import make_engine, session_factory, transaction
from art.models import Lease
from art.types import UTCDateTime

DIALECT = sqlite.pysqlite.dialect()
PG = postgresql.psycopg.dialect()


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 4, 9, 0, 1, 5, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, 5, 60, tzinfo=UTC),
    ],
)
def test_sqlite_binds_the_text_datetime_stores(value: datetime) -> None:
    bind = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    generic = DateTime().dialect_impl(DIALECT).bind_processor(DIALECT)  # SQLite's DATETIME
    assert bind is not None and generic is not None
    naive = value.astimezone(UTC).replace(tzinfo=None)
    assert bind(value) == generic(naive)
    assert bind(None) is None


def test_sqlite_refuses_naive_datetimes() -> None:
    bind = UTCDateTime().dialect_impl(DIALECT).bind_processor(DIALECT)
    assert bind is not None
    with pytest.raises(ValueError, match="naive datetime"):
        bind(datetime(2026, 3, 4, 9, 0))


def test_postgresql_reads_utc_as_it_is_and_converts_anything_else() -> None:
    read = UTCDateTime().dialect_impl(PG).result_processor(PG, None)
    assert read is not None
    utc = datetime(2026, 3, 4, 20, 0, tzinfo=UTC)
    assert read(utc) is utc
    assert read(None) is None
    five_behind = read(datetime(2026, 3, 4, 15, 0, tzinfo=timezone(timedelta(hours=-5))))
    assert (five_behind, five_behind.tzinfo) == (utc, UTC)
    naive = read(datetime(2026, 3, 4, 20, 0))
    assert (naive, naive.tzinfo) == (utc, UTC)


def test_postgresql_sessions_are_utc_whatever_the_server_zone(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL session's time zone")
    # the server's zone for these connections is Kolkata's, as a server set up there would be
    engine = make_engine(store_url, connect_args={"options": "-c timezone=Asia/Kolkata"})
    sessions = session_factory(engine)
    at = datetime(2026, 3, 4, 15, 0, tzinfo=timezone(timedelta(hours=-5)))  # 20:00 UTC
    try:
        with transaction(sessions) as s:
            s.add(Lease(name="zone", holder="h", expires_at=at))
        with sessions() as s:
            zone = s.execute(text("SHOW TIME ZONE")).scalar()
            stored = s.scalar(select(Lease.expires_at))
            day = s.scalar(select(cast(Lease.expires_at, Date)))
    finally:
        engine.dispose()
    assert zone == "UTC"
    assert stored == at and stored is not None and stored.tzinfo is UTC
    assert str(day) == "2026-03-04"  # the UTC day; in Kolkata it is already the 5th
