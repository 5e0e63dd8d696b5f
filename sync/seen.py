"""The items a full pull has seen, for reconciliation: their store ids in a packed array.

A full pull ends by soft-deleting the stored items it did not see. Keeping their keys in a set
cost about 100 bytes an item for the whole pull (20 MB at 200,000 items, a set that grows
with the project); the store ids of the applied batches' items cost 8, and the few items
read but not mapped (``skipped_keys``, which have no id) are kept by key.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence

import numpy as np


class SeenItems:
    """Store ids and unmapped keys seen so far; :meth:`missing` compares the stored items."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._keys: set[str] = set()

    def add(self, item_ids: Iterable[int], skipped_keys: Iterable[str]) -> None:
        self._ids.extend(item_ids)
        self._keys.update(skipped_keys)

    def missing(self, stored: Iterable[Sequence[tuple[int, str]]]) -> Iterator[str]:
        """The keys among ``stored`` ((id, key) rows, in parts) that were not seen. (The ids
        are sorted and searched as NumPy arrays, which the connectors import anyway: sorted
        as Python integers, 200,000 of them took some 8 MB at the end of a pull.)"""
        seen = np.sort(np.frombuffer(self._ids, dtype=np.int64))
        for part in stored:
            ids = np.fromiter((id_ for id_, _ in part), dtype=np.int64, count=len(part))
            at = np.searchsorted(seen, ids)
            inside = at < seen.size
            found = np.zeros(ids.size, dtype=np.bool_)
            found[inside] = seen[at[inside]] == ids[inside]
            for i in np.flatnonzero(~found).tolist():
                key = part[i][1]
                if key not in self._keys:
                    yield key
