"""Where each item's history stands while a pull reads the revisions feed, in columns.

A full pull reads the whole feed before it maps any item, so it holds a position for every
item of the project at once. As a dict of Position objects that was some 110 bytes an item
and the arenas they pinned (connectors.key_rows); here it is the item id in KeyRows, the
revision and change count in two integer arrays, and a reference to the snapshot, which
equal positions share (connectors.azure_devops.history interns them).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

from connectors.azure_devops.history import Position, Snapshot
from connectors.key_rows import ABSENT, MERGE_AT, KeyRows

_GONE, _HELD = 0, 1


class PositionTable:
    """Item id -> its Position, or None (known, without one: a broken history, say).

    Rows are found a page at a time (:meth:`rows`), then read and written by row; an item
    keeps its row once popped, so that it is never put twice."""

    def __init__(self, merge_at: int = MERGE_AT) -> None:
        self._ids = KeyRows(merge_at)
        self._rev = array("q")
        self._seq = array("q")
        self._snapshot: list[Snapshot | None] = []  # None: held without a position
        self._state = bytearray()
        self._held = 0

    def __len__(self) -> int:
        return self._held

    def __iter__(self) -> Iterator[int]:
        """The ids held, in the order first put."""
        return (n for n, state in zip(self._ids, self._state, strict=True) if state == _HELD)

    def rows(self, ids: Sequence[int]) -> dict[int, int]:
        """The rows of those of ``ids`` put before, held or popped since."""
        return {i: row for i, row in zip(ids, self._ids.rows(ids), strict=True) if row != ABSENT}

    def held(self, row: int) -> bool:
        return self._state[row] == _HELD

    def get(self, row: int) -> Position | None:
        snapshot = self._snapshot[row]
        return None if snapshot is None else Position(self._rev[row], snapshot, self._seq[row])

    def put(self, item: int, row: int, position: Position | None) -> int:
        """Hold ``position`` for ``item`` at ``row``, or (ABSENT: the item was never put)
        at a new row; returns the row."""
        if row == ABSENT:
            row = self._ids.add(item)
            self._rev.append(0)
            self._seq.append(0)
            self._snapshot.append(None)
            self._state.append(_GONE)
        if self._state[row] != _HELD:
            self._state[row] = _HELD
            self._held += 1
        self._snapshot[row] = None if position is None else position.snapshot
        self._rev[row] = 0 if position is None else position.rev
        self._seq[row] = 0 if position is None else position.seq
        return row

    def pop(self, ids: Sequence[int]) -> dict[int, Position | None]:
        """The entries of ``ids`` held, which are held no more."""
        out: dict[int, Position | None] = {}
        for item, row in self.rows(ids).items():
            if not self.held(row):
                continue
            out[item] = self.get(row)
            self._state[row] = _GONE
            self._snapshot[row] = None
            self._held -= 1
        return out
