"""Retry-After is read by one function for every tracker: seconds or an HTTP date."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.retry_after import parse_retry_after

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def test_retry_after_is_seconds_or_an_http_date() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("Wed, 04 Mar 2026 12:00:30 GMT", NOW) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("") is None


def test_a_date_without_a_zone_is_utc_and_a_past_one_is_no_wait() -> None:
    assert parse_retry_after("Wed, 04 Mar 2026 12:01:00 -0000", NOW) == 60.0
    assert parse_retry_after("Wed, 04 Mar 2026 11:00:00 GMT", NOW) == 0.0
    assert parse_retry_after("-4") == 0.0
