"""The cyclic garbage collector, paused while an ART is loaded.

A load makes millions of small objects (items, changes, lists) and no reference cycles; the
collector, triggered by the count of new objects, would traverse the growing heap again and
again for nothing (at 200,000 items it took about 40% of the load). Reference counting still
frees everything as usual while it is paused. The pause is process-wide, so concurrent loads
share it and the collector is enabled again when the last one ends, if it was enabled before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (re-entrant and thread-safe)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
