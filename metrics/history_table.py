"""An ART's history as columns, with each item's :class:`Change` list made when it is read.

A loader reads a million history rows at 200,000 items; making a ``Change`` object of each
(and its datetime) was about half of a load, while the reports of a large ART read the
columnar engine (metrics.columns) and replay only some items one by one. A
:class:`HistoryTable` keeps the rows as arrays, grouped by item in the formulas' order, and
the columns are encoded from it directly; :class:`LazyHistories` is the per-item mapping the
formulas read (``ArtData.changes_by_item``), making an item's list on its first read and
giving the very same list after, across the data versions that share the table.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from art.micros import EPOCH, us
from art.value_codes import lookup
from art.vocabulary import ChangeField, StatusCategory
from metrics.facts import Change, make_change

K = TypeVar("K", bound=Hashable)
I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
I32 = npt.NDArray[np.int32]

FIELDS = list(ChangeField)  # a row's field code is its place here
CATEGORIES = list(StatusCategory)  # a row's category code is its place here, -1 for none
_GONE = object()


@dataclass(frozen=True, eq=False)
class HistoryTable:
    """Changes as columns, one row each, each item's rows together in (time, sequence)
    order. ``t`` is microseconds since the epoch (UTC); ``field_code``, ``from_cat`` and
    ``to_cat`` are codes (:data:`FIELDS`, :data:`CATEGORIES`, -1: none); ``from_code``
    and ``to_code`` the stored strings as codes into ``values`` (art.value_codes), as the
    formulas read them (a status row at an item's creation already has its own state as
    its ``from``)."""

    t: I64
    field_code: I8
    seq: I64
    from_code: I32
    to_code: I32
    values: list[str]
    from_cat: I8
    to_cat: I8
    # each item's list, made on its first read and kept: by its first row
    _lists: dict[int, list[Change]] = field(default_factory=dict, init=False, repr=False)

    @property
    def rows(self) -> int:
        return int(self.t.size)

    @cached_property
    def lookup(self) -> list[str | None]:
        """The values by code, -1 (none) included."""
        return lookup(self.values)

    def changes(self, start: int, stop: int, key: str) -> list[Change]:
        """The changes of the item at rows ``start:stop`` (its key ``key``), the same list
        object on every read (threads racing on a first read keep the first made)."""
        got = self._lists.get(start)
        if got is not None:
            return got
        return self._lists.setdefault(start, self.made(start, stop, key))

    def made(self, start: int, stop: int, key: str) -> list[Change]:
        """New ``Change`` objects of the rows ``start:stop`` (of the item ``key``)."""
        value = self.lookup.__getitem__
        return [
            make_change(
                key,
                FIELDS[f],
                EPOCH + timedelta(microseconds=t),
                a,
                b,
                CATEGORIES[fc] if fc >= 0 else None,
                CATEGORIES[tc] if tc >= 0 else None,
                s,
            )
            for f, t, a, b, fc, tc, s in zip(
                self.field_code[start:stop].tolist(),
                self.t[start:stop].tolist(),
                map(value, self.from_code[start:stop].tolist()),
                map(value, self.to_code[start:stop].tolist()),
                self.from_cat[start:stop].tolist(),
                self.to_cat[start:stop].tolist(),
                self.seq[start:stop].tolist(),
                strict=True,
            )
        ]


def epoch_micros(seconds: list[float]) -> I64:
    """Epoch seconds (``datetime.timestamp``) to exact microseconds: the float error at
    today's epoch is below a quarter microsecond, so rounding recovers the stored value."""
    out: I64 = np.rint(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64)
    return out


Span = tuple[int, int, str]  # an item's rows in a table (start, stop) and its key


class LazyHistories(MutableMapping[K, list[Change]]):
    """Per item (by store id or by key), its changes in the formulas' order: the rows of a
    :class:`HistoryTable`, made into a list on first read, with the lists a refresh put or
    removed on top. A copy shares the table and its made lists: a new data version copies
    only what changed (``_own``, ``_gone``), not an entry per item."""

    __slots__ = ("_bounds", "_gone", "_own", "_spans", "table")

    def __init__(
        self,
        table: HistoryTable,
        spans: Mapping[K, Span],
        own: dict[K, list[Change]] | None = None,
        gone: set[K] | None = None,
        bounds: tuple[I64, I64] | None = None,
    ) -> None:
        self.table = table
        self._spans = spans
        self._own: dict[K, list[Change]] = own if own is not None else {}
        self._gone: set[K] = gone if gone is not None else set()
        self._bounds = bounds  # the spans' starts and stops as arrays, in their order

    def __getitem__(self, key: K) -> list[Change]:
        own = self._own.get(key)
        if own is not None:
            return own
        if key in self._gone:
            raise KeyError(key)
        start, stop, item_key = self._spans[key]
        return self.table.changes(start, stop, item_key)

    def __contains__(self, key: object) -> bool:
        return key in self._own or (key in self._spans and key not in self._gone)

    def __setitem__(self, key: K, value: list[Change]) -> None:
        self._own[key] = value
        if key in self._spans:
            self._gone.add(key)  # (the table's rows no longer speak for it)

    def __delitem__(self, key: K) -> None:
        if self.pop(key, _GONE) is _GONE:
            raise KeyError(key)

    def pop(self, key: K, default: Any = _GONE) -> Any:
        """Remove ``key``; its list only when it was put here (a table's rows are not made
        into a list just to be dropped)."""
        if key in self._own:
            value: Any = self._own.pop(key)
        elif key in self._spans and key not in self._gone:
            value = None
        elif default is _GONE:
            raise KeyError(key)
        else:
            return default
        if key in self._spans:
            self._gone.add(key)
        return value

    def __iter__(self) -> Iterator[K]:
        gone = self._gone
        yield from (k for k in self._spans if k not in gone)
        yield from self._own

    def __len__(self) -> int:
        return len(self._spans) - len(self._gone) + len(self._own)

    def copy(self) -> LazyHistories[K]:
        own, gone = dict(self._own), set(self._gone)
        return LazyHistories(self.table, self._spans, own, gone, self._bounds)  # (same spans)

    def pristine(self) -> bool:
        """Whether every entry is the table's rows (as loaded, nothing put or removed)."""
        return not self._own and not self._gone

    def spans(self) -> Mapping[K, Span]:
        """The table rows of each entry (meaningful while :meth:`pristine`)."""
        return self._spans

    def bounds(self) -> tuple[I64, I64]:
        """The starts and the stops of :meth:`spans`, in their order, as arrays."""
        if self._bounds is None:
            spans = self._spans.values()
            self._bounds = (
                np.fromiter((a for a, _, _ in spans), np.int64, len(spans)),
                np.fromiter((b for _, b, _ in spans), np.int64, len(spans)),
            )
        return self._bounds

    def changes_between(self, field: ChangeField, since: datetime, until: datetime) -> list[Change]:
        """Every entry's changes of ``field`` made in (``since``, ``until``], entry after
        entry, each in its list's order: the table's rows found by array passes and only
        they made into objects (a report of a week's changes need not make a million), then
        those of the lists put on top."""
        table, spans = self.table, self._spans
        starts, stops = self.bounds()
        if bool(np.any(starts[1:] < starts[:-1])):  # (spans not in the table's order)
            return [c for k in self for c in self[k] if c.field == field and since < c.at <= until]
        lo, hi = us(since), us(until)
        code = FIELDS.index(field)
        rows = np.flatnonzero((table.field_code == code) & (table.t > lo) & (table.t <= hi))
        entry = np.searchsorted(starts, rows, side="right") - 1
        keys, gone = list(spans), self._gone
        out: list[Change] = []
        for row, e in zip(rows.tolist(), entry.tolist(), strict=True):
            if e < 0 or row >= stops[e] or keys[e] in gone:  # (no entry's, or put on top)
                continue
            out.extend(table.made(row, row + 1, spans[keys[e]][2]))
        for lst in self._own.values():
            out.extend(c for c in lst if c.field == field and since < c.at <= until)
        return out

    def token(self, key: K) -> object:
        """What identifies ``key``'s list without making it: two mappings with equal
        tokens for a key give the very same list."""
        own = self._own.get(key)
        if own is not None:
            return own
        span = None if key in self._gone else self._spans.get(key)
        return None if span is None else (id(self.table), span[0])

    def rekeyed(self, keys: Mapping[K, Any]) -> LazyHistories[Any]:
        """The same lists under ``keys[k]`` for each entry ``k`` (a snapshot's histories by
        store id as the ART's changes by item key)."""
        gone = self._gone
        spans = {keys[k]: s for k, s in self._spans.items() if k not in gone}
        own = {keys[k]: v for k, v in self._own.items()}
        common = spans.keys() & own.keys()
        kept = None if gone or len(spans) != len(self._spans) else self._bounds
        return LazyHistories(self.table, spans, own, common, kept)


def same_history(a: Mapping[K, list[Change]], b: Mapping[K, list[Change]], key: K) -> bool:
    """Whether ``a`` and ``b`` give the very same list for ``key`` (both having none
    counts), without making lists that were not made yet."""
    if isinstance(a, LazyHistories) and isinstance(b, LazyHistories):
        ta, tb = a.token(key), b.token(key)
        return ta is tb or (type(ta) is tuple and ta == tb)
    return a.get(key) is b.get(key)


def editable(histories: Mapping[K, list[Change]]) -> MutableMapping[K, list[Change]]:
    """A copy to put a new version's lists in: the table's entries are shared, not copied."""
    if isinstance(histories, LazyHistories):
        return histories.copy()
    return dict(histories)
