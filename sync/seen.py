"""The items a full pull has seen, for reconciliation: their store ids in a packed array.

A full pull ends by soft-deleting the stored items it did not see. Keeping their keys in a set
cost about 100 bytes an item for the whole pull (20 MB at 200,000 items, a set that grows
with the project); the store ids of the applied batches' items cost 8, and the few items
read but not mapped (``skipped_keys``, which have no id) are kept by key.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence


class SeenItems:
    """Store ids and unmapped keys seen so far; :meth:`missing` compares the stored items."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._keys: set[str] = set()

    def add(self, item_ids: Iterable[int], skipped_keys: Iterable[str]) -> None:
        self._ids.extend(item_ids)
        self._keys.update(skipped_keys)

    def missing(self, stored: Iterable[Sequence[tuple[int, str]]]) -> Iterator[str]:
        """The keys among ``stored`` ((id, key) rows, in parts) that were not seen. (The
        array is searched by bisection: NumPy would cost a pull process some 18 MB to import.)"""
        seen = array("q", sorted(self._ids))
        end = len(seen)
        for part in stored:
            for id_, key in part:
                at = bisect_left(seen, id_)
                if (at == end or seen[at] != id_) and key not in self._keys:
                    yield key
