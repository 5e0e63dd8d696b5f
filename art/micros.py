"""Aware UTC times as whole microseconds since the epoch: how the metric columns, the
connectors' compact tables and the change spill hold a time (exact, and one int64 each)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def us(t: datetime) -> int:
    """``t`` (aware) as integer microseconds since the epoch."""
    return (t - EPOCH) // MICROSECOND


def from_us(v: int) -> datetime:
    """The aware UTC time ``v`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=int(v))
