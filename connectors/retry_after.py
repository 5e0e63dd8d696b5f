"""The ``Retry-After`` header, read the same way for every tracker.

Jira and Azure DevOps send it on 429 and 503 answers (Azure DevOps also on a throttled 200),
as a number of seconds or as an HTTP date (RFC 9110 §10.2.3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent/bad.

    A date without a zone is taken as UTC, as HTTP dates are; one already past is 0 seconds.
    ``now`` defaults to the clock; tests pass it.
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (at - (now or datetime.now(UTC))).total_seconds())
