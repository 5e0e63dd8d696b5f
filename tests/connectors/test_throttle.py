"""The shared pause after a 429, and pages fetched ahead in order."""

from __future__ import annotations

import threading

import pytest

from connectors.throttle import Throttle, fetch_ahead


def test_other_workers_wait_while_one_waits_out_a_refusal() -> None:
    throttle = Throttle()
    refused_sleeps, release = threading.Event(), threading.Event()
    passed = threading.Event()

    def sleep(seconds: float) -> None:  # the refused worker's Retry-After, held open
        refused_sleeps.set()
        release.wait(5)

    refused = threading.Thread(target=throttle.pause, args=(sleep, 3.0))
    refused.start()
    assert refused_sleeps.wait(5)

    def other_worker() -> None:
        throttle.wait()
        passed.set()

    other = threading.Thread(target=other_worker)
    other.start()
    assert not passed.wait(0.2)  # held back while the refused worker waits
    release.set()
    assert passed.wait(5)
    refused.join(5)
    other.join(5)


def test_no_pause_lets_workers_through() -> None:
    throttle = Throttle()
    throttle.wait()  # returns at once
    slept: list[float] = []
    throttle.pause(slept.append, 2.5)
    throttle.wait()
    assert slept == [2.5]


def test_fetch_ahead_keeps_the_order_and_the_bound() -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    def fetch(n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return n * n
        finally:
            with lock:
                running[0] -= 1

    assert list(fetch_ahead(fetch, range(40), 4)) == [n * n for n in range(40)]
    assert 1 <= most[0] <= 4
    assert list(fetch_ahead(fetch, range(5), 1)) == [0, 1, 4, 9, 16]


def test_fetch_ahead_raises_where_the_failed_result_would_be() -> None:
    def fetch(n: int) -> int:
        if n == 3:
            raise ValueError("page 3 failed")
        return n

    got: list[int] = []
    with pytest.raises(ValueError, match="page 3 failed"):
        for value in fetch_ahead(fetch, range(10), 3):
            got.append(value)
    assert got == [0, 1, 2]
