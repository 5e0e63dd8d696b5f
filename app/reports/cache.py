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


def once_per_key(
    lock: threading.Lock,
    running: dict[Hashable, threading.Lock],
    key: Hashable,
    kept: Callable[[Hashable], tuple[V] | None],
    compute: Callable[[], V],
    keep: Callable[[Hashable, V], None],
) -> V:
    """The value ``kept`` finds under ``key`` (as a 1-tuple), else ``compute``'s, then kept:
    one computation per key at a time, callers racing for a key being computed waiting for
    it and then finding it kept. ``lock`` guards the store that ``kept`` and ``keep`` (both
    called holding it) read and write, and ``running``, the per-key locks of computations
    under way; ``compute`` runs outside it, so other keys go on meanwhile. An error is
    not kept: the next caller computes again."""
    with lock:
        got = kept(key)
        if got is not None:
            return got[0]
        mine = running.setdefault(key, threading.Lock())
    with mine:
        with lock:
            got = kept(key)
            if got is not None:
                return got[0]
        try:
            value = compute()
        except BaseException:
            with lock:
                running.pop(key, None)
            raise
        with lock:  # kept before the key's lock goes: a waiter looking again finds it
            keep(key, value)
            running.pop(key, None)
    return value


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
        return once_per_key(self._lock, self._key_locks, key, self._hit, compute, self._stored)

    def _hit(self, key: Hashable) -> tuple[V] | None:
        if key not in self._data:
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return (self._data[key],)

    def _stored(self, key: Hashable, value: V) -> None:
        self._put(key, value)
        self.misses += 1

    def put(self, key: Hashable, value: V) -> None:
        """Store ``value`` under ``key`` (the least recently used entry goes when full)."""
        with self._lock:
            self._put(key, value)

    def _put(self, key: Hashable, value: V) -> None:
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
