"""Read ahead: the next results are produced while the current one is consumed.

A pull alternates waiting on the tracker, mapping JSON and writing the store; each is
sequential by nature, but they need not wait for each other: the Jira connector reads its
search pages (and their changelogs) ahead, while sync maps and stores the last ones. One
worker thread runs the producer (the only user of what it reads meanwhile) at most ``depth``
results ahead; its exceptions reach the consumer unchanged, and a consumer that stops early
stops the worker.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def read_ahead(produce: Callable[[], Iterator[T]], depth: int = 2) -> Iterator[T]:
    """Yield what ``produce()`` yields, computed in a worker thread up to ``depth`` ahead."""
    results: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(kind: str, value: object) -> bool:
        while not stop.is_set():
            try:
                results.put((kind, value), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for value in produce():
                if not offer("value", value):
                    return
            offer("end", None)
        except BaseException as exc:  # handed to the consumer, who raises it
            offer("error", exc)

    worker = threading.Thread(target=work, name="trainyard-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = results.get()
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        worker.join(timeout=5)
