"""Row numbers for a pull's item keys, held in a few large arrays instead of a dict.

A pull keeps a little about every item it has read until its end (Jira: each issue's
``updated``, to drop an issue served twice; Azure DevOps: where each item's history stands).
In dicts, a 200,000-item pull held some 30 MB of small key and value objects more than a
10,000-item one, and pinned more: objects made among the pages being parsed keep the
allocator's arenas alive after the pages are freed. Here the keys are 64-bit integers in
NumPy arrays (sorted, to be searched a page at a time), with a dict of the latest few
thousand merged in as it fills; the caller keeps its values in arrays indexed by row.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt

ABSENT = -1  # the row of a key not added
MERGE_AT = 16_384  # keys added since the last merge that trigger the next one


class KeyRows:
    """Integer keys numbered 0, 1, 2... in the order they are added (each key once)."""

    def __init__(self, merge_at: int = MERGE_AT) -> None:
        self._merge_at = merge_at
        self._keys = array("q")  # by row
        self._sorted: npt.NDArray[np.int64] = np.empty(0, np.int64)  # the keys merged, sorted
        self._order: npt.NDArray[np.int64] = np.empty(0, np.int64)  # their rows, as sorted
        self._recent: dict[int, int] = {}  # key -> row, for the rows added since

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[int]:
        """The keys in the order added."""
        return iter(self._keys)

    def key(self, row: int) -> int:
        return self._keys[row]

    def row(self, key: int) -> int:
        """The row of ``key``, or ABSENT."""
        return self.rows([key])[0]

    def rows(self, keys: Sequence[int]) -> list[int]:
        """The rows of ``keys`` (ABSENT for those not added), one search for them all."""
        found = [self._recent.get(k, ABSENT) for k in keys]
        if not len(self._sorted) or not keys:
            return found
        wanted = np.fromiter(keys, np.int64, len(keys))
        at = np.searchsorted(self._sorted, wanted)
        at[at == len(self._sorted)] = 0  # past the end: compared below, never equal
        merged = np.where(self._sorted[at] == wanted, self._order[at], ABSENT).tolist()
        return [m if m != ABSENT else f for m, f in zip(merged, found, strict=True)]

    def add(self, key: int) -> int:
        """A new row for ``key``, which must not have one."""
        row = len(self._keys)
        self._keys.append(key)
        self._recent[key] = row
        if len(self._recent) >= self._merge_at:
            self._merge()
        return row

    def _merge(self) -> None:
        keys = np.array(self._keys, dtype=np.int64)  # a copy: the array may grow again
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self._recent.clear()
