"""One source's requests in flight: a shared pause after a 429, and pages fetched ahead.

A pull fetches several pages of one tracker at once (``concurrency`` of the source). When the
tracker answers 429, it is the source (the account, the token) that is over its limit, not the
one request: :class:`Throttle` makes every worker of the source wait out the Retry-After
as long as the refused worker does, not only that one. :func:`fetch_ahead` runs the
fetches on a few threads and hands the results back in order, so mapping and storing overlap
the download of the next pages.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")


class Throttle:
    """While one worker of the source waits out a refusal, no other worker starts a request."""

    def __init__(self) -> None:
        self._pausing = 0
        self._turn = threading.Condition()

    def pause(self, sleep: Callable[[float], None], seconds: float) -> None:
        """``sleep(seconds)`` (the refused worker's wait), holding back every other worker."""
        with self._turn:
            self._pausing += 1
        try:
            sleep(seconds)
        finally:
            with self._turn:
                self._pausing -= 1
                self._turn.notify_all()

    def wait(self) -> None:
        """Before a request: wait while a worker of the source waits out a refusal."""
        with self._turn:
            self._turn.wait_for(lambda: self._pausing == 0)


def fetch_ahead(fetch: Callable[[J], R], jobs: Iterable[J], workers: int) -> Iterator[R]:
    """``fetch(job)`` for every job, at most ``workers`` at once, yielded in the jobs' order.

    An exception of a fetch is raised where its result would have been yielded; a consumer
    that stops early cancels the fetches not started yet."""
    if workers <= 1:
        yield from map(fetch, jobs)
        return
    pending: deque[Future[R]] = deque()
    queue = iter(jobs)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="trainyard-fetch")
    try:
        for job in queue:
            pending.append(pool.submit(fetch, job))
            if len(pending) >= workers:
                break
        while pending:
            result = pending.popleft().result()
            for job in queue:
                pending.append(pool.submit(fetch, job))
                break
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
