"""Bounded retries with exponential backoff, jitter, and Retry-After honoured.

The ``jira`` library's ResilientSession also retries (429 always, 503 with Retry-After), but
it sleeps up to twice the Retry-After with a fixed schedule and no way for a test to shrink
it. The client runs the library's session with ``max_retries=0`` and retries here instead,
so the bound, the delays and the clock are all ours (tests pass a recording ``sleep``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """How often and how long to wait.

    A retry waits ``base_delay * 2**attempt`` (capped at ``max_delay``) times a jitter factor
    in ``[1 - jitter, 1]``, and never less than the tracker's Retry-After. A Retry-After
    beyond ``max_delay`` is not waited for: the error goes up (RateLimited carries it) so the
    scheduler can come back later instead of holding a worker.
    """

    max_retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 60.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``; None: give up now."""
        if attempt >= self.max_retries:
            return None
        backoff = min(self.max_delay, self.base_delay * 2.0**attempt)
        backoff *= 1 - self.jitter * self.rng.random()
        if retry_after is None:
            return backoff
        if retry_after > self.max_delay:
            return None
        return max(retry_after, backoff)
