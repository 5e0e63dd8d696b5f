"""The report service's LRU cache: one computation per key, errors never kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from app.reports.cache import LRUCache


def test_hits_misses_and_the_least_recently_used_going_first() -> None:
    cache: LRUCache[str] = LRUCache(size=2)
    computed: list[str] = []

    def make(v: str) -> str:
        computed.append(v)
        return v.upper()

    for key in ("a", "b", "a", "c", "b"):  # "c" pushes out "b", used before "a"
        assert cache.get_or_compute(key, partial(make, key)) == key.upper()
    assert computed == ["a", "b", "c", "b"]
    assert (cache.hits, cache.misses) == (1, 4)
    assert (cache.peek("a"), cache.peek("b"), cache.peek("c")) == (None, "B", "C")


def test_racing_callers_of_one_key_share_one_computation() -> None:
    cache: LRUCache[int] = LRUCache(size=4)
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        assert release.wait(5)
        return 42

    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(cache.get_or_compute, "k", slow)
        assert started.wait(5)
        assert cache.computing("k")
        others = [pool.submit(cache.get_or_compute, "k", lambda: 7) for _ in range(2)]
        release.set()
        assert [f.result(5) for f in (first, *others)] == [42, 42, 42]
    assert calls == [1] and not cache.computing("k")
    assert (cache.hits, cache.misses) == (2, 1)


def test_an_error_is_not_kept() -> None:
    cache: LRUCache[int] = LRUCache(size=4)

    def broken() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        cache.get_or_compute("k", broken)
    assert not cache.computing("k")
    assert cache.get_or_compute("k", lambda: 3) == 3
