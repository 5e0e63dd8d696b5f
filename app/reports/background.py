"""Work a reader starts but need not wait for: the load of an ART's newer data version, or a
report body over it.

On a large ART a refresh after a burst of changes, or a report over the new version, can take
longer than a reader should wait; the reader who notices the new version starts the work here
and waits a bounded time for it, then is served the version (or the body) before. The work goes
on and every later reader gets its result. One task per key at a time, on a small pool: a
stream of new versions makes one refresh after another, never a pile of them side by side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    """A piece of background work and when it began (readers' waits count from then)."""

    future: Future[Any]
    began: float

    def ready_within(self, budget: float | None) -> bool:
        """Wait until the task has ended, or until ``budget`` seconds after it began (None:
        no limit); whether it has ended."""
        if budget is None:
            wait_for([self.future])
        else:
            left = self.began + budget - time.monotonic()
            if left > 0:
                wait_for([self.future], timeout=left)
        return self.future.done()

    def failed(self) -> bool:
        """Ended with an exception (the reader then does the work itself and is told why)."""
        return self.future.done() and self.future.exception() is not None


class Background:
    """A pool of ``workers`` threads running at most one task per key."""

    def __init__(self, workers: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trainyard-refresh")
        self._tasks: dict[Hashable, Task] = {}
        self._lock = threading.Lock()

    def running(self, key: Hashable) -> Task | None:
        """The task under ``key`` while it runs."""
        with self._lock:
            task = self._tasks.get(key)
        return task if task is not None and not task.future.done() else None

    def start(self, key: Hashable, work: Callable[[], Any]) -> Task:
        """The task running under ``key``, else ``work`` begun under it."""
        with self._lock:
            task = self._tasks.get(key)
            if task is not None and not task.future.done():
                return task
            task = Task(self._pool.submit(work), time.monotonic())
            self._tasks[key] = task
        task.future.add_done_callback(lambda _: self._forget(key, task))
        return task

    def _forget(self, key: Hashable, task: Task) -> None:
        with self._lock:
            if self._tasks.get(key) is task:
                del self._tasks[key]
