"""What a tracker says about itself, kept between the pulls of one running service.

Fields, statuses, boards, sprints, iterations and teams change rarely, yet a connector built for
each pull would read them all again: an incremental pull that finds nothing would cost a dozen
requests. The sync service keeps one :class:`SourceMetadata` per source and hands it to every
connector it builds for that source (pulls and webhook fetches); entries older than the
source's ``metadata_ttl_minutes`` are read again, and a full pull reads everything again.

``positions`` is not metadata with an age: it is where a connector's history of each item
stands (Azure DevOps goes on from an item's last revision read with the revisions the feed
holds). When sync gives ``stored``, the connector asks the store instead: the item as last
stored and where its stored history ends, so a pull in a new process (``trainyard sync``, the
first after a restart) goes on from there too, and nothing per item stays in memory between
pulls. Without it (a connector used on its own), ``positions`` keeps them in this process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")
DEFAULT_TTL = 600.0  # seconds: ``metadata_ttl_minutes`` = 10


class StoredHistory(NamedTuple):
    """What the store holds of one item: its tracker payload as last stored, and one past the
    ``seq`` of its last stored change (0 without any)."""

    raw: Mapping[str, Any]
    next_seq: int


# item keys -> what the store holds of those it has (a deleted item, or one never stored: absent)
StoredHistories = Callable[[Sequence[str]], Mapping[str, StoredHistory]]


class SourceMetadata:
    """Named values with the time they were read; thread-safe (pulls and webhook fetches)."""

    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic):
        self.ttl, self.clock = ttl, clock
        self._values: dict[str, tuple[float, Any]] = {}
        self.positions: dict[Any, Any] = {}
        self.stored: StoredHistories | None = None
        self._lock = threading.Lock()

    def get(self, name: str) -> Any | None:
        """The value read under ``name`` when younger than the time-to-live, else None."""
        with self._lock:
            entry = self._values.get(name)
        if entry is None or self.clock() - entry[0] > self.ttl:
            return None
        return entry[1]

    def peek(self, name: str) -> Any | None:
        """The value read under ``name``, however old (None when never read)."""
        with self._lock:
            entry = self._values.get(name)
        return None if entry is None else entry[1]

    def put(self, name: str, value: T) -> T:
        with self._lock:
            self._values[name] = (self.clock(), value)
        return value

    def read(self, name: str, load: Callable[[], T]) -> T:
        """The fresh value of ``name``, loading (and keeping) it when absent or too old."""
        value = self.get(name)
        return value if value is not None else self.put(name, load())

    def expire(self) -> None:
        """Forget every value (a full pull reads the tracker's metadata again)."""
        with self._lock:
            self._values.clear()
