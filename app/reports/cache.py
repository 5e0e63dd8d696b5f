"""A small in-process cache of report bodies keyed by (report, parameters, data version).

The ART's ``data_version`` grows with every committed change, so an unchanged store serves a
repeated request from memory; the default ``as_of`` is truncated to the minute so that ages
and "late" statuses still move on while nothing is synced.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """Thread-safe least-recently-used cache; a miss computes under a per-key lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one computation per key even when requests race
            with self._lock:
                if key in self._data:
                    self.hits += 1
                    return self._data[key]
            try:
                value = compute()
            except BaseException:
                with self._lock:
                    self._key_locks.pop(key, None)
                raise
            self.put(key, value)
            with self._lock:
                self.misses += 1
                self._key_locks.pop(key, None)
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key`` (the least recently used entry goes when full)."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def peek(self, key: Hashable) -> V | None:
        """The value under ``key`` if there is one, without computing it."""
        with self._lock:
            return self._data.get(key)

    def computing(self, key: Hashable) -> bool:
        """Whether a computation of ``key`` is under way (its value not stored yet)."""
        with self._lock:
            return key in self._key_locks and key not in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
