"""Read ahead: the next results are produced while the current one is consumed.

A pull alternates waiting on the tracker, mapping JSON and writing the store; each is
sequential by nature, but they need not wait for each other: the Jira connector reads its
search pages (and their changelogs) ahead, and sync takes a connector's next batches while
it stores the last ones. One worker thread runs the producer (the only user of what it reads
meanwhile) at most ``depth`` results ahead; its exceptions reach the consumer unchanged, and a
consumer that stops early stops the worker.

:func:`read_ahead_groups` hands the consumer every result already waiting at once (up to a
size), so a consumer slower than its producer takes larger groups and catches up, and one
faster than it takes each result as it comes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def read_ahead(produce: Callable[[], Iterator[T]], depth: int = 2) -> Iterator[T]:
    """Yield what ``produce()`` yields, computed in a worker thread up to ``depth`` ahead."""
    for group in read_ahead_groups(produce, depth, limit=1):
        yield from group


def read_ahead_groups(
    produce: Callable[[], Iterator[T]],
    depth: int,
    limit: int,
    size: Callable[[T], int] = lambda _: 1,
) -> Iterator[list[T]]:
    """Yield what ``produce()`` yields, in order, as lists: each holds the next result (waited
    for) and the ones after it already waiting, while their ``size`` sum stays within
    ``limit`` (a first result larger than it comes alone). The producer runs in a worker
    thread, ahead by at most ``depth`` in ``size`` (and by one result at least)."""
    waiting: deque[tuple[str, object, int]] = deque()  # kind, value, size
    turn = threading.Condition()
    stop = threading.Event()

    def offer(kind: str, value: object, weight: int) -> bool:
        with turn:
            turn.wait_for(
                lambda: stop.is_set() or not waiting or sum(w for *_, w in waiting) < depth
            )
            if stop.is_set():
                return False
            waiting.append((kind, value, weight))
            turn.notify_all()
            return True

    def work() -> None:
        try:
            for value in produce():
                if not offer("value", value, size(value)):
                    return
            offer("end", None, 0)
        except BaseException as exc:  # handed to the consumer, who raises it
            offer("error", exc, 0)

    def take() -> list[tuple[str, object, int]]:
        """The next result (waited for) and the values after it within ``limit``."""
        with turn:
            turn.wait_for(lambda: bool(waiting))
            taken = [waiting.popleft()]
            total = taken[0][2]
            while (
                taken[0][0] == "value"
                and waiting
                and waiting[0][0] == "value"
                and total + waiting[0][2] <= limit
            ):
                taken.append(waiting.popleft())
                total += taken[-1][2]
            turn.notify_all()
            return taken

    worker = threading.Thread(target=work, name="trainyard-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            taken = take()
            kind, value, _ = taken[0]
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield [value for _, value, _ in taken]  # type: ignore[misc]
    finally:
        with turn:
            stop.set()
            turn.notify_all()
        worker.join(timeout=5)
