"""The cyclic garbage collector and the loaded ARTs: paused during a load and while a report
body is computed, blind to the loaded ART after.

A load makes millions of small objects (items, changes, lists) and no reference cycles; the
collector, triggered by the count of new objects, would traverse the growing heap again and
again for nothing (at 200,000 items it took about 40% of the load). Reference counting still
frees everything as usual while it is paused. The pause is process-wide, so concurrent loads
share it and the collector is enabled again when the last one ends, if it was enabled before.
A report body is the same case on a smaller scale: tens of thousands of row dicts and no
cycles, so the collector's passes over them (about a tenth of the cycle-time report at
200,000 items) are skipped too; bodies are computed once per data version, so the pauses
are short and rare, and any cycle made meanwhile is collected once the collector runs again.

After a load the loaded objects are frozen (``gc.freeze``), while the collector is still
paused: left alone, every collection of the oldest generation would traverse them all
again, and the first collections after a load (which see them all as new) cost a report
about a second at 200,000 items; even the first collection of the youngest generation
after a refresh traverses its new 200,000-entry indexes (about 30 ms). Frozen objects are
still freed by reference counting when a version is dropped; only cyclic garbage that
happened to exist at a freeze would stay, so a full load first unfreezes and collects,
which bounds that to what one period between full loads can gather.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from art.process_setting import ProcessSetting


def _pause() -> Callable[[], None]:
    """The collector off, and how to put it back as it was (on only if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    return gc.enable if was_enabled else _leave_off


def _leave_off() -> None:
    """Put back a collector that was off: nothing to do."""


# Run a block with the cyclic collector off (re-entrant and thread-safe).
collector_paused = ProcessSetting(_pause).held


def release_frozen() -> None:
    """Before a full load: give what earlier loads froze back to the collector, and collect
    (any cyclic garbage caught by a freeze goes now)."""
    gc.unfreeze()
    gc.collect()


def freeze_loaded() -> None:
    """After a load: every object alive now is left out of later collections."""
    gc.freeze()
