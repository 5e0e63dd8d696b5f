"""A process-wide setting held by whoever needs it: one helper for every layer.

Some settings belong to the whole process (the cyclic garbage collector's state, say) while
several threads each need them for a while: a load pauses the collector, a pull raises its
youngest generation's threshold. The first holder applies the setting and the last one to
leave puts back what was there before, however the holders overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Restore = Callable[[], None]


class ProcessSetting:
    """``apply`` (which returns how to put back what it changed) held while any holder is
    in :meth:`held`; re-entrant and thread-safe."""

    def __init__(self, apply: Callable[[], Restore]) -> None:
        self._apply = apply
        self._lock = threading.Lock()
        self._holders = 0
        self._restore: Restore | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        """Run the block with the setting applied."""
        with self._lock:
            if self._holders == 0:
                self._restore = self._apply()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._restore is not None:
                    self._restore()
                    self._restore = None
