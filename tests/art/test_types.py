"""UTCDateTime on SQLite: the text it binds is the text SQLAlchemy's DATETIME would store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from art.types import UTCDateTime

DIALECT = sqlite.pysqlite.dialect()


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
