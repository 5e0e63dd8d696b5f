"""What the worker's jobs share: a lease held while a job works, and one run at a time.

Every background job of a process runs under the worker's one APScheduler, and several
workers (or ``trainyard start`` processes) may run side by side on one PostgreSQL database.
Work that must happen in one place at a time (draining a source's inbox, sending deliveries,
watching the figures) holds a database lease while it runs, renewed by a heartbeat, so a
worker that dies frees it within one expiry. A frequent job whose previous run is still
going skips its turn instead of queueing behind it (or making the scheduler warn).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from art.store.lease import Heartbeat, release, try_acquire

# Options of a job run every second or so. Its body skips a turn while its last run still goes
# (:func:`alone`); the scheduler is let start a few, or it would warn about each skipped turn.
FREQUENT: dict[str, Any] = {"max_instances": 3, "coalesce": True}


@contextmanager
def holding(
    sessions: sessionmaker[Session],
    name: str,
    holder: str,
    ttl: timedelta,
    *,
    keep: bool = False,
) -> Iterator[Heartbeat | None]:
    """Run the block holding lease ``name``: the heartbeat keeping it (its ``lost`` is set if
    another holder takes it over), or None when another holder has it (skip the work).

    The lease is given back after the block unless ``keep``: a job that should stay with one
    worker (the figure watcher, whose memory saves recomputing) keeps it and renews it on its
    next run; another worker takes it over only once it expires."""
    if not try_acquire(sessions, name, holder, ttl):
        yield None
        return
    try:
        with Heartbeat(sessions, name, holder, ttl) as beat:
            yield beat
    finally:
        if not keep:
            release(sessions, name, holder)


@contextmanager
def alone(lock: threading.Lock) -> Iterator[bool]:
    """True, holding ``lock`` for the block, when no other run holds it; else False at once."""
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
