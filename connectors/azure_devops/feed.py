"""Every item's history as the reporting revisions feed tells it, folded as pages arrive.

The feed runs in time order across items, so an item's history is known only at the feed's
end. A pull keeps, per item, only where its history stands (its last revision read and
snapshot, in the columns of a :class:`PositionTable`) and parks the changes, beyond the
first few thousand, on disk (connectors.change_spill) until the item's batch is mapped: the
memory a pull holds per item stays small and no longer grows with every change made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from art.errors import BadPayload
from art.records import ChangeRecord
from connectors.azure_devops.history import Position, advance
from connectors.azure_devops.mapping import Context
from connectors.azure_devops.positions import PositionTable
from connectors.change_spill import ChangeSpill
from connectors.key_rows import ABSENT


def _number(revision: Mapping[str, Any]) -> int | None:
    number = revision.get("id")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


class Folded(NamedTuple):
    """One item's history as read from the feed: its changes, where it stands after them,
    and whether they are the whole history (else they go on from an earlier pull's)."""

    changes: list[ChangeRecord]
    position: Position
    whole: bool


class FeedHistory:
    """The items the feed named and their folded histories; ``close`` removes the spill.

    Each item's revisions must come in ``rev`` order: from rev 1 (a whole history) or from
    the revision after where its stored history stands (``earlier``: item ids -> their
    positions, for those it knows). A revision out of that order, or one that cannot be
    read, breaks the item's history: the connector then reads it whole from
    ``workItems/{id}/revisions``."""

    def __init__(self, earlier: Callable[[list[int]], Mapping[int, Position]]) -> None:
        self._earlier = earlier
        self._positions = PositionTable()  # None: the item's history is broken
        self._starts: dict[int, Position] = {}  # earlier positions of items the page names
        self._partial: set[int] = set()  # started from an earlier pull's position
        self._broken: set[int] = set()
        self._spill = ChangeSpill()

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[int]:
        return iter(self._positions)

    def add_page(self, ctx: Context, revisions: Sequence[Mapping[str, Any]]) -> None:
        """Fold one page of the feed, asking ``earlier`` at once for where the items it
        names for the first time (past their rev 1) stand."""
        firsts: dict[int, int] = {}  # item -> the rev it first has in this page
        for r in revisions:
            if (number := _number(r)) is not None:
                firsts.setdefault(number, int(r.get("rev") or 0))
        rows = self._positions.rows(list(firsts))  # the page's items put so far
        held = self._positions.held
        new = [
            number
            for number, rev in firsts.items()
            if rev != 1
            and (number not in rows or not held(rows[number]))
            and number not in self._broken
        ]
        if new:
            self._starts.update(self._earlier(sorted(new)))
        for revision in revisions:
            self._add(ctx, revision, rows)
        self._starts.clear()

    def _add(self, ctx: Context, revision: Mapping[str, Any], rows: dict[int, int]) -> None:
        """Fold one revision of the feed (one without an integer ``id`` is not an item's);
        ``rows``: the rows of the page's items put so far, which this keeps up to date."""
        number = _number(revision)
        if number is None or number in self._broken:
            return
        rev = int(revision.get("rev") or 0)
        row = rows.get(number, ABSENT)
        if row != ABSENT and self._positions.held(row):
            before = self._positions.get(row)
        else:  # the item's first revision in this read of the feed
            before = None if rev == 1 else self._starts.get(number)
            if before is not None:
                self._partial.add(number)
        expected = before.rev + 1 if before is not None else 1
        fields = revision.get("fields")
        kind = fields.get("System.WorkItemType") if isinstance(fields, Mapping) else None
        if rev != expected or not isinstance(fields, Mapping) or not kind:
            self._break(number, row)
            return
        try:
            changes, after = advance(ctx, str(number), before, rev, fields, str(kind))
        except BadPayload:
            self._break(number, row)
            return
        rows[number] = self._positions.put(number, row, after)
        if changes:
            self._spill.park(number, changes)

    def _break(self, number: int, row: int) -> None:
        self._broken.add(number)
        self._positions.put(number, row, None)

    def take(self, numbers: Sequence[int]) -> dict[int, Folded]:
        """The folded histories of ``numbers`` that the feed holds from where they stand
        (absent: not in the feed, broken, or never past a deleted first revision); the items
        are forgotten here, as their batch is being mapped."""
        spilled = self._spill.take(numbers)
        held = self._positions.pop(numbers)
        out: dict[int, Folded] = {}
        for number in numbers:
            position = held.get(number)
            if position is not None:  # (a broken history has none)
                whole = number not in self._partial
                out[number] = Folded(spilled.get(number, []), position, whole)
        return out

    def close(self) -> None:
        self._spill.close()
