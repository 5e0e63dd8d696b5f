"""Change records parked on disk between being read and being mapped into a batch.

An Azure DevOps pull reads every item's history from the revisions feed before it maps any
item: the feed runs in time order across all items, so no item's history is whole until the
feed's end. Held in memory, those changes made a pull's peak grow with the project (about
800 bytes an item, and more in the memory arenas they pinned among the freed feed pages).
Beyond the first ``IN_MEMORY`` changes (a project of a few thousand items keeps them all in
memory) they wait instead in a private temporary SQLite file: each park (one item's changes
at one revision) a marshalled row, written a couple of thousand at a time and read back a
batch of items at a time, in the order they were parked.
Parking a change on disk and taking it back costs about 15 µs on the bench machine: some
2 s of a 50,000-item pull that takes 25-30 s, 7 s of a 200,000-item one (140-180 s).
"""

from __future__ import annotations

import marshal
import sqlite3
import sys
from collections.abc import Sequence

from art.chunks import IN_LIST, chunks
from art.micros import from_us, us
from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory

FLUSH_ROWS = 2000  # parks written at once
# Changes held in memory before the rest go to disk: few, as changes held through the feed
# pin the allocator's arenas among the freed pages (100,000 of them cost a 10,000-item pull
# 24 MB of peak memory, where their objects take some 5 MB).
IN_MEMORY = 10_000
# one change: field, microseconds since the epoch, from, to, from and to category, author, seq
Packed = tuple[str, int, str | None, str | None, str | None, str | None, str | None, int]


# the vocabulary's members by value, and back (dict lookups: Enum's own are slow in a loop)
_FIELDS = {m.value: m for m in ChangeField}
_CATEGORIES = {m.value: m for m in StatusCategory}
_FIELD_VALUES: dict[ChangeField, str] = {m: m.value for m in ChangeField}
_CATEGORY_VALUES: dict[StatusCategory | None, str | None] = {m: m.value for m in StatusCategory}
_CATEGORY_VALUES[None] = None


def _pack(change: ChangeRecord) -> Packed:
    return (
        _FIELD_VALUES[change.field],
        us(change.at),  # exact: whole microseconds since the epoch
        change.from_value,
        change.to_value,
        _CATEGORY_VALUES[change.from_category],
        _CATEGORY_VALUES[change.to_category],
        change.author,
        change.seq,
    )


def intern_text(value: str | None) -> str | None:
    """One string object for equal values (states, paths, names recur across changes)."""
    return None if value is None else sys.intern(value)


def _unpack(key: str, packed: Packed) -> ChangeRecord:
    field, at, old, new, from_category, to_category, author, seq = packed
    return ChangeRecord(
        item_key=key,
        field=_FIELDS[field],
        at=from_us(at),
        from_value=intern_text(old),
        to_value=intern_text(new),
        from_category=None if from_category is None else _CATEGORIES[from_category],
        to_category=None if to_category is None else _CATEGORIES[to_category],
        author=intern_text(author),
        seq=seq,
    )


class ChangeSpill:
    """Changes by item id until taken: the first ``in_memory`` in memory, the rest on disk.
    One pull's; :meth:`close` removes the file.

    A pull of a few thousand items never touches the disk; a larger one holds at most
    ``in_memory`` changes and parks the rest. Used by one thread at a time (a pull's
    generator, which the sync runner may resume from its worker thread)."""

    def __init__(self, in_memory: int = IN_MEMORY) -> None:
        self.in_memory = in_memory
        self._held: dict[int, list[ChangeRecord]] = {}
        self._count = 0  # changes parked in memory, taken ones included
        self._db: sqlite3.Connection | None = None  # opened with the first change to disk
        self._pending: list[tuple[int, str, bytes]] = []
        self.parked = 0  # parks written to disk

    def park(self, item: int, changes: Sequence[ChangeRecord]) -> None:
        """Keep ``changes`` of ``item``: in memory while under ``in_memory``, else on disk
        (written ``FLUSH_ROWS`` parks at a time). Once one goes to disk all later ones do,
        so an item's changes in memory always come before its changes on disk."""
        if not changes:
            return
        if self._db is None and self._count + len(changes) <= self.in_memory:
            self._held.setdefault(item, []).extend(changes)
            self._count += len(changes)
            return
        packed = marshal.dumps(tuple(_pack(c) for c in changes))
        self._pending.append((item, changes[0].item_key, packed))
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def _disk(self) -> sqlite3.Connection:
        if self._db is None:
            # "" opens a private temporary database: a file SQLite deletes when it is closed
            self._db = sqlite3.connect("", check_same_thread=False)
            self._db.executescript(
                "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                # one row per park: an item's changes of one revision, marshalled
                "CREATE TABLE parked (item INTEGER NOT NULL, item_key TEXT NOT NULL, "
                "changes BLOB); CREATE INDEX parked_item ON parked (item);"
            )
        return self._db

    def flush(self) -> None:
        """Write what was parked for the disk since the last flush."""
        if self._pending:
            db = self._disk()
            with db:
                db.executemany("INSERT INTO parked VALUES (?, ?, ?)", self._pending)
            self.parked += len(self._pending)
            self._pending = []

    def take(self, items: Sequence[int]) -> dict[int, list[ChangeRecord]]:
        """The parked changes of ``items``, each item's in the order parked (items with none
        are absent). Taken changes stay in the file until it closes: a pull takes each item
        once, and deleting rows would cost more than the disk they hold."""
        out = {item: self._held.pop(item) for item in items if item in self._held}
        self.flush()
        if self._db is None:
            return out
        for part in chunks(items, IN_LIST):
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT item, item_key, changes FROM parked WHERE item IN ({marks}) "
                "ORDER BY rowid",
                part,
            )
            for item, key, packed in rows:
                kept = out.setdefault(item, [])
                kept.extend(_unpack(key, p) for p in marshal.loads(packed))
        return out

    def close(self) -> None:
        self._held.clear()
        if self._db is not None:
            self._db.close()
