"""Reading ahead in a worker thread: order, grouping of what is waiting, bounds, errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from connectors.read_ahead import read_ahead, read_ahead_groups


def test_read_ahead_yields_every_result_in_order() -> None:
    assert list(read_ahead(lambda: iter(range(7)))) == [0, 1, 2, 3, 4, 5, 6]


def test_the_results_waiting_come_as_one_group_within_the_limit() -> None:
    first_taken = threading.Event()
    produced = threading.Event()

    def produce() -> Iterator[int]:
        yield 3
        first_taken.wait(timeout=10)  # the consumer holds the first group alone
        yield from (4, 2, 1, 5, 6)
        produced.set()

    groups = []
    for group in read_ahead_groups(produce, depth=100, limit=10, size=lambda n: n):
        groups.append(group)
        if len(groups) == 1:
            first_taken.set()
            assert produced.wait(timeout=10)  # everything after it is waiting now
    # 4 + 2 + 1 = 7; 5 more would pass 10; 6 alone; a first result over the limit comes alone
    assert groups == [[3], [4, 2, 1], [5], [6]]


def test_the_producer_runs_ahead_by_at_most_depth() -> None:
    made: list[int] = []

    def produce() -> Iterator[int]:
        for n in range(10):
            made.append(n)
            yield n

    pulled = read_ahead_groups(produce, depth=3, limit=1)
    assert next(pulled) == [0]
    deadline = time.monotonic() + 10
    while len(made) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # time enough to run further, if it could
    assert made == [0, 1, 2, 3, 4]  # 0 handed over, 1-3 waiting, 4 made and being offered
    assert [g[0] for g in pulled] == [1, 2, 3, 4, 5, 6, 7, 8, 9]


def test_an_error_of_the_producer_is_raised_after_the_results_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("page 3 is truncated")

    taken: list[int] = []
    with pytest.raises(ValueError, match="page 3 is truncated"):
        for group in read_ahead_groups(produce, depth=10, limit=10):
            taken += group
    assert taken == [1, 2]


def test_a_consumer_that_stops_early_stops_the_worker() -> None:
    made: list[int] = []

    def produce() -> Iterator[int]:
        for n in range(1000):
            made.append(n)
            yield n

    pulled = read_ahead(produce, depth=2)
    assert next(pulled) == 0
    pulled.close()
    assert len(made) <= 4  # 0 handed over, 1-2 waiting, 3 made and being offered
    assert [t.name for t in threading.enumerate()].count("trainyard-read-ahead") == 0
