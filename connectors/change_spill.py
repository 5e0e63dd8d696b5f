"""Change records parked on disk between being read and being mapped into a batch.

An Azure DevOps pull reads every item's history from the revisions feed before it maps any
item: the feed runs in time order across all items, so no item's history is whole until the
feed's end. Held in memory, those changes made a pull's peak grow with the project (about
800 bytes an item, and more in the memory arenas they pinned among the freed feed pages).
They wait instead in a private temporary SQLite file, written a page at a time and read back
a batch of items at a time, in the order they were parked.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from art.chunks import IN_LIST, chunks
from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
FLUSH_ROWS = 5000
Row = tuple[int, str, str, int, str | None, str | None, str | None, str | None, str | None, int]
COLUMNS = "item, item_key, field, at, from_value, to_value, from_category, to_category, author, seq"


def _text(value: str | None) -> str | None:
    return None if value is None else sys.intern(value)


def _category(value: str | None) -> StatusCategory | None:
    return None if value is None else StatusCategory(value)


def _row(item: int, change: ChangeRecord) -> Row:
    return (
        item,
        change.item_key,
        change.field.value,
        (change.at - EPOCH) // MICROSECOND,  # exact: whole microseconds since the epoch
        change.from_value,
        change.to_value,
        None if change.from_category is None else change.from_category.value,
        None if change.to_category is None else change.to_category.value,
        change.author,
        change.seq,
    )


def _change(row: Row) -> ChangeRecord:
    _, key, field, at, old, new, from_category, to_category, author, seq = row
    return ChangeRecord(
        item_key=key,
        field=ChangeField(field),
        at=EPOCH + at * MICROSECOND,
        from_value=_text(old),
        to_value=_text(new),
        from_category=_category(from_category),
        to_category=_category(to_category),
        author=_text(author),
        seq=seq,
    )


class ChangeSpill:
    """Changes by item id, on disk until taken. One pull's; :meth:`close` removes the file.

    Used by one thread at a time (a pull's generator, which the sync runner may resume from
    its worker thread), hence ``check_same_thread=False``."""

    def __init__(self) -> None:
        # "" opens a private temporary database: a file SQLite deletes when it is closed
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            f"CREATE TABLE parked ({COLUMNS});"
            "CREATE INDEX parked_item ON parked (item);"
        )
        self._pending: list[Row] = []
        self.parked = 0

    def park(self, item: int, changes: Iterable[ChangeRecord]) -> None:
        """Keep ``changes`` of ``item`` (written some thousands of rows at a time)."""
        self._pending.extend(_row(item, c) for c in changes)
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write what was parked since the last flush."""
        if self._pending:
            with self._db:
                self._db.executemany(
                    f"INSERT INTO parked ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)", self._pending
                )
            self.parked += len(self._pending)
            self._pending = []

    def take(self, items: Sequence[int]) -> dict[int, list[ChangeRecord]]:
        """The parked changes of ``items``, each item's in the order parked (items with none
        are absent). Taken changes stay in the file until it closes: a pull takes each item
        once, and deleting rows would cost more than the disk they hold."""
        self.flush()
        out: dict[int, list[ChangeRecord]] = {}
        for part in chunks(items, IN_LIST):
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT {COLUMNS} FROM parked WHERE item IN ({marks}) ORDER BY rowid", part
            )
            for row in rows:
                out.setdefault(row[0], []).append(_change(row))
        return out

    def close(self) -> None:
        self._db.close()
