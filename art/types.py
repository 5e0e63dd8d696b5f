"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend.

    SQLite has no time zone type; storing naive UTC and re-attaching UTC on the way out
    keeps comparisons and ordering correct on both backends.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Trainyard stores UTC-aware timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Any:
        """SQLite: an aware datetime straight to the text SQLite's DATETIME stores (naive UTC,
        to the microsecond), one call a value (a pull binds a few for each history row)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        to_naive_utc = self.process_bind_param

        def process(value: datetime | None) -> str | None:
            if value is not None and value.tzinfo is UTC:  # most: no conversion, no checks
                return value.isoformat(" ", "microseconds")[:26]  # less its "+00:00"
            naive = to_naive_utc(value, dialect)
            return None if naive is None else naive.isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """SQLite: the stored text parsed straight to an aware UTC datetime, one call a value
        (the generic path parses it, then re-attaches UTC: a large load reads millions).
        PostgreSQL: the driver's datetime as it is when it is in UTC already, as it is on the
        sessions ``make_engine`` opens (converting each one was a quarter of a page of items)."""
        if dialect.name != "sqlite":
            return _utc_as_read

        parse = datetime.fromisoformat

        def process(value: str | datetime | None) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):  # naive UTC as stored; parsed with its zone at once
                return parse(value + "+00:00")
            return _utc_as_read(value)

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return _utc_as_read(value)


def _utc_as_read(value: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime: a naive one (SQLite) is UTC already, an
    aware one (PostgreSQL ``timestamptz``, in the session's time zone) is converted."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType: Any = JSON().with_variant(JSONB(), "postgresql")
