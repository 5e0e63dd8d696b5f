"""The columnar engine: every item's history as one sorted NumPy event stream.

Per-item Python replay (history.py, timeline.compute_flow) is the readable reference of the
rules; a 200,000-item ART needs the same rules as array operations. Each item contributes a
creation event (its state at creation) and one event per change, sorted by (item, time, seq);
every field is forward-filled, so each event row holds the item's full state from that event
until the next one. The start/done rules, active/wait split, per-day spans and state-at-a-time
queries are then a handful of vectorized passes. Times are int64 microseconds since the epoch.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, repeat
from operator import attrgetter
from typing import Any, cast

import numpy as np
import numpy.ma  # (np.unique imports it on first use: 15 ms of the first report of a process)
import numpy.typing as npt

from art.micros import from_us as from_us  # (the formulas import both from here)
from art.micros import us as us
from art.value_codes import lookup, value_codes
from art.vocabulary import ChangeField, Level, StatusCategory, WorkType
from metrics.facts import ItemFacts
from metrics.history import guess_category, parse_flag, parse_points
from metrics.history_table import (
    HistoryTable,
    LazyHistories,
    epoch_micros,
    same_history,
)
from metrics.inputs import ArtData, Change

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
BOOL = npt.NDArray[np.bool_]

CATS = list(StatusCategory)  # todo, active, wait, done, removed
TODO, ACTIVE, WAIT, DONE, REMOVED = range(5)
CREATE, STATUS, ITERATION, POINTS, FLAGGED, TEAM, PI = range(7)
_KIND = {
    ChangeField.STATUS: STATUS,
    ChangeField.ITERATION: ITERATION,
    ChangeField.POINTS: POINTS,
    ChangeField.FLAGGED: FLAGGED,
    ChangeField.TEAM: TEAM,
    ChangeField.PI: PI,
}
_CAT = {c: k for k, c in enumerate(CATS)}
LEVELS = list(Level)
WORK_TYPES = list(WorkType)
_LEVEL = {v: k for k, v in enumerate(LEVELS)}
_WORK_TYPE = {v: k for k, v in enumerate(WORK_TYPES)}
NEVER = np.iinfo(np.int64).max
DAY_US = 86_400_000_000


def _num(v: float | None) -> float:
    return np.nan if v is None else v


class Coder:
    """Strings to dense int codes (-1 for None)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._codes: dict[str | None, int] = {None: -1}

    def code(self, v: str | None) -> int:
        c = self._codes.get(v)
        if c is None:
            assert v is not None
            c = self._codes[v] = len(self.values)
            self.values.append(v)
        return c

    def codes(self, values: Sequence[str | None]) -> list[int]:
        """Codes of many values (new ones are added), as fast as a dict lookup each."""
        known = self._codes
        get = known.get
        out = list(map(get, values, repeat(-9, len(values))))  # (at C speed)
        if -9 in out:  # new values: coded in order of first appearance, then looked up again
            for v in dict.fromkeys(values):  # (every distinct value, found at C speed)
                if v not in known:
                    self.code(v)
            out = list(map(get, values, repeat(-9, len(values))))
        return out

    def copy(self) -> Coder:
        """An independent coder with the same codes (new values go to the copy only)."""
        other = Coder()
        other.values, other._codes = list(self.values), dict(self._codes)
        return other

    def get(self, v: str | None) -> int:
        """The code of a known value; -2 (matching nothing) when unknown."""
        return self._codes.get(v, -2)


# the per-item inputs of the stream, and the per-change ones
_ITEM_FIELDS: tuple[str, ...] = ("created", "level", "work_type", "team", "deleted", "status")
_ITEM_FIELDS += ("iteration", "pi", "flagged", "cat", "points")

Rows = dict[str, npt.NDArray[Any]]


class _Coders:
    """The four value coders; copied for a new version, so the one before keeps its own."""

    def __init__(self, base: _Coders | None = None) -> None:
        if base is None:
            self.statuses, self.iterations, self.teams, self.pis = (Coder() for _ in range(4))
        else:
            self.statuses, self.iterations = base.statuses.copy(), base.iterations.copy()
            self.teams, self.pis = base.teams.copy(), base.pis.copy()


class ItemBasics:
    """What the columns read of the items alone: their keys, index and rank, and their
    attributes that need no coder. A loader builds it while the items' history is still
    being read (:meth:`ArtData.seed`); the coded values wait for the history, whose values
    are coded first (the codes follow the order values are first met)."""

    def __init__(self, data: ArtData) -> None:
        self._read(data.items)

    @classmethod
    def of(cls, items: Sequence[ItemFacts]) -> ItemBasics:
        """The basics of ``items`` (the very list an ArtData will hold)."""
        basics = object.__new__(cls)
        basics._read(items)
        return basics

    def _read(self, items: Sequence[ItemFacts]) -> None:
        """Each attribute read by ``map`` at C speed: a load reads every item."""

        def each(name: str) -> list[Any]:
            return list(map(attrgetter(name), items))

        self.items = items
        self.keys: list[str] = each("key")
        self.index: dict[str, int] = dict(zip(self.keys, range(len(self.keys)), strict=True))
        self.key_rank: I64 = key_ranks(self.keys)
        points = [np.nan if p is None else p for p in each("story_points")]
        self.rows: Rows = {
            "created": epoch_micros(list(map(datetime.timestamp, each("created_at")))),
            "level": np.array(list(map(_LEVEL.__getitem__, each("level"))), dtype=np.int8),
            "work_type": np.array(list(map(_WORK_TYPE.__getitem__, each("work_type"))), np.int8),
            "deleted": np.array(each("deleted"), dtype=np.bool_),
            "flagged": np.array(each("flagged"), dtype=np.int32),
            "cat": np.array(list(map(_CAT.__getitem__, each("status_category"))), dtype=np.int8),
            "points": np.array(points, np.float64),
        }
        self.values: dict[str, list[str | None]] = {
            name: each(name) for name in ("team", "status", "iteration", "pi")
        }


def _encode_items(basics: ItemBasics, k: _Coders) -> Rows:
    """Each item's attributes and current values as codes."""
    v = basics.values
    return {
        **basics.rows,
        "team": np.array(k.teams.codes(v["team"]), dtype=np.int32),
        "status": np.array(k.statuses.codes(v["status"]), dtype=np.int32),
        "iteration": np.array(k.iterations.codes(v["iteration"]), np.int32),
        "pi": np.array(k.pis.codes(v["pi"]), dtype=np.int32),
    }


def _gathered(
    data: ArtData, positions: Sequence[int], index: dict[str, int]
) -> tuple[list[Change], I64]:
    """The changes of the items at ``positions`` (ascending; each item's own: the one
    ``index`` gives its key), item after item, with each change's item position: walked per
    item from the grouped histories rather than looked up per change (a million at 200,000
    items). Each item's list is in :func:`change_order` (ArtData.changes_by_item), so the
    rows come by item, time and sequence with no sort."""
    items, get = data.items, data.changes_by_item.get
    keys = [items[pos].key for pos in positions]
    lists: list[Sequence[Change]] = [get(key, ()) for key in keys]
    if len(index) != len(items):  # a key twice: its changes are the position index names
        lists = [
            lst if index.get(key) == pos else ()
            for key, pos, lst in zip(keys, positions, lists, strict=True)
        ]
    counts = [len(lst) for lst in lists]
    return list(chain.from_iterable(lists)), np.repeat(np.asarray(positions, np.int64), counts)


@dataclass(frozen=True, slots=True)
class _ChangeRows:
    """Changes as columns, in their given order, as :func:`_encode_changes` reads them:
    ``kind`` this module's codes, ``t`` microseconds, the categories as their places in
    :data:`CATS` (-1: none stored), the values as stored, as codes into ``values``
    (art.value_codes)."""

    kind: npt.NDArray[np.int8]
    t: I64
    seq: I64
    frm: I32
    to: I32
    values: list[str]
    fcat: npt.NDArray[np.int8]
    tcat: npt.NDArray[np.int8]


_NO_CAT: dict[StatusCategory | None, int] = {None: -1}
_NO_CAT.update(dict(_CAT.items()))


def _rows_of(chs: Sequence[Change]) -> _ChangeRows:
    """Change objects as columns."""
    frm, to, values = value_codes([c.from_value for c in chs], [c.to_value for c in chs])
    return _ChangeRows(
        np.array([_KIND[c.field] for c in chs], dtype=np.int8),
        epoch_micros([c.at.timestamp() for c in chs]),
        np.array([c.seq for c in chs], dtype=np.int64),
        frm,
        to,
        values,
        np.array([_NO_CAT[c.from_category] for c in chs], dtype=np.int8),
        np.array([_NO_CAT[c.to_category] for c in chs], dtype=np.int8),
    )


# a table's field codes (metrics.history_table.FIELDS) as this module's kinds
_KIND_OF_FIELD = np.array([_KIND[f] for f in ChangeField], dtype=np.int8)


def _rows_of_table(table: HistoryTable) -> _ChangeRows:
    """A history table's rows as columns, as they are (its categories are coded alike)."""
    return _ChangeRows(
        _KIND_OF_FIELD[table.field_code],
        table.t,
        table.seq,
        table.from_code,
        table.to_code,
        table.values,
        table.from_cat,
        table.to_cat,
    )


def _table_rows(data: ArtData, index: dict[str, int]) -> tuple[_ChangeRows, I64] | None:
    """Every change of ``data`` as columns straight from the history table it was loaded
    with, with each row's item position, when the table holds exactly the changes of the
    items, item after item in position order (a fresh load); None otherwise."""
    by_item = data.changes_by_item
    if not isinstance(by_item, LazyHistories) or not by_item.pristine():
        return None
    if len(index) != len(data.items):  # a key twice: the changes of the one index names
        return None
    spans = by_item.spans()
    pos = np.array(list(map(index.get, spans, repeat(-1, len(spans)))), dtype=np.int64)
    starts, stops = by_item.bounds()
    rows = by_item.table.rows
    contiguous = bool(np.all(starts[1:] == stops[:-1])) and (
        (starts[0] == 0 and stops[-1] == rows) if pos.size else rows == 0
    )
    if not contiguous or bool(np.any(pos < 0)) or bool(np.any(pos[1:] <= pos[:-1])):
        return None
    return _rows_of_table(by_item.table), np.repeat(pos, stops - starts)


def _encode_changes(
    rows: _ChangeRows,
    owner: I64,
    items: Sequence[ItemFacts],
    mapping: Mapping[str, StatusCategory],
    k: _Coders,
) -> dict[str, npt.NDArray[Any]]:
    """The changes (``owner``: each one's item position) encoded field by field, in their
    given order: codes for values, categories for statuses."""
    m = rows.t.size
    c_kind = rows.kind
    out: dict[str, npt.NDArray[Any]] = {
        "item": owner,
        "t": rows.t,
        "kind": c_kind,
        "seq": rows.seq,
        "val": np.zeros(m, dtype=np.int32),
        "frm": np.zeros(m, dtype=np.int32),
        "cat": np.zeros(m, dtype=np.int8),
        "fcat": np.zeros(m, dtype=np.int8),
        "num": np.zeros(m, dtype=np.float64),
        "fnum": np.zeros(m, dtype=np.float64),
    }
    c_val, c_from, c_cat, c_fcat = out["val"], out["frm"], out["cat"], out["fcat"]
    values = lookup(rows.values)
    for kind in (STATUS, ITERATION, POINTS, FLAGGED, TEAM, PI):
        sel = np.flatnonzero(c_kind == kind)
        to, frm = rows.to[sel], rows.frm[sel]
        if kind == STATUS:
            owners = owner[sel]
            frm, stated = _from_current(frm, owners, items, values)
            c_val[sel] = _through(to, values, k.statuses.codes)
            c_from[sel] = _through(frm, stated, k.statuses.codes)
            c_cat[sel] = _categories(rows.tcat[sel], to, values, owners, items, mapping)
            c_fcat[sel] = _categories(rows.fcat[sel], frm, stated, owners, items, mapping)
        elif kind == POINTS:
            out["num"][sel] = _through(to, values, _points, np.float64)
            out["fnum"][sel] = _through(frm, values, _points, np.float64)
        elif kind == FLAGGED:
            c_val[sel] = _through(to, values, _flags)
            c_from[sel] = _through(frm, values, _flags)
        else:
            coder = k.iterations if kind == ITERATION else k.teams if kind == TEAM else k.pis
            c_val[sel] = _through(to, values, coder.codes)
            c_from[sel] = _through(frm, values, coder.codes)
    return out


def _through(
    codes: I32,
    values: list[str | None],
    convert: Callable[[list[str | None]], Sequence[Any]],
    dtype: type[Any] = np.int32,
) -> npt.NDArray[Any]:
    """Each code's value (``values[code]``, -1 the last: None) through ``convert``, which
    is given each distinct value once, in order of first appearance: the order a
    :class:`Coder` numbers new values in, as if given every row's value."""
    distinct = list(dict.fromkeys(codes.tolist()))
    table = np.zeros(len(values), dtype=dtype)
    table[distinct] = convert([values[c] for c in distinct])
    out: npt.NDArray[Any] = table[codes]
    return out


def _points(values: list[str | None]) -> list[float]:
    return [_num(parse_points(v)) for v in values]


def _flags(values: list[str | None]) -> list[bool]:
    return [parse_flag(v) for v in values]


def _from_current(
    frm: I32, owners: I64, items: Sequence[ItemFacts], values: list[str | None]
) -> tuple[I32, list[str | None]]:
    """Status rows' ``from`` with the item's current status where none is stored (None or
    empty, as the per-item replay reads them), with the values they are codes into."""
    blank = np.flatnonzero(_blank(frm, values))
    if not blank.size:
        return frm, values
    stated = list(values[:-1])  # (without the last place, None's)
    code_of = {v: c for c, v in enumerate(stated)}
    frm = frm.copy()
    for j in blank.tolist():
        status = items[int(owners[j])].status
        code = code_of.get(status)
        if code is None:
            code = code_of[status] = len(stated)
            stated.append(status)
        frm[j] = code
    return frm, lookup(cast("list[str]", stated))


def _blank(codes: I32, values: list[str | None]) -> BOOL:
    """Where a code stands for None or an empty string (what ``not value`` holds)."""
    blank: BOOL = codes < 0
    if "" in values:
        blank |= codes == values.index("")
    return blank


def _categories(
    stored: npt.NDArray[np.int8],
    statuses: I32,
    values: list[str | None],
    owners: I64,
    items: Sequence[ItemFacts],
    mapping: Mapping[str, StatusCategory],
) -> npt.NDArray[np.int8]:
    """Each status row's category: as stored, else the mapping's, else a guess
    (``statuses``: codes into ``values``; ``owners``: each row's item in ``items``)."""
    out = stored.copy()
    for j in np.flatnonzero(stored < 0).tolist():
        v = values[int(statuses[j])]
        out[j] = _CAT[mapping.get(v or "") or _guess(v, items[int(owners[j])])]
    return out


def _encoded(data: ArtData, basics: ItemBasics, k: _Coders) -> tuple[Rows, Rows]:
    """Every item and change encoded: the item rows (their current values) and the change
    rows, by item, time and sequence, straight from a loaded history table when the data
    holds one as loaded, else gathered from the per-item lists (:func:`_gathered`)."""
    table = _table_rows(data, basics.index)
    if table is None:
        chs, owner = _gathered(data, range(len(data.items)), basics.index)
        table = _rows_of(chs), owner
    changes = _encode_changes(*table, data.items, data.definition.statuses, k)
    return _encode_items(basics, k), changes


@dataclass(frozen=True, slots=True)
class _Update:
    """What a new data version encodes again: the items at ``fresh`` (positions in the new
    data, ascending), their encoded item rows and their change rows (sorted, items numbered
    as in the new data). ``new_of_prev``: per item of the version before, its position now
    (-1: encoded again or gone)."""

    fresh: I64
    items: Rows
    changes: Rows
    new_of_prev: I64


def _sources(data: ArtData, before: ArtData, prev: Columns) -> I64:
    """Per item, its row in ``prev`` when its facts and changes are the very same objects as
    there, else -1. A loader that knows the changed positions (ArtData.prime) saves the pass
    over every item."""
    changed = data.changed_since_before()
    if changed is not None:  # (set only when the item count is the same)
        source = np.arange(prev.n, dtype=np.int64)
        source[np.asarray(changed, dtype=np.int64)] = -1
        return source
    items, by_item, prev_by_item = data.items, data.changes_by_item, before.changes_by_item
    prev_items, prev_index = before.items, prev.index
    rows = [prev_index.get(it.key, -1) for it in items]
    return np.array(
        [
            j
            if j >= 0 and prev_items[j] is it and same_history(by_item, prev_by_item, it.key)
            else -1
            for j, it in zip(rows, items, strict=True)
        ],
        dtype=np.int64,
    )


def _update(data: ArtData, index: dict[str, int], k: _Coders, source: I64, prev_n: int) -> _Update:
    """The items without a row to copy (``source`` -1) encoded again, with their changes."""
    items = data.items
    fresh = np.flatnonzero(source < 0)
    fresh_items = [items[i] for i in fresh.tolist()]
    chs, owner = _gathered(data, fresh.tolist(), index)
    changes = _encode_changes(_rows_of(chs), owner, items, data.definition.statuses, k)
    kept = source >= 0
    new_of_prev = np.full(prev_n, -1, dtype=np.int64)
    new_of_prev[source[kept]] = np.flatnonzero(kept)
    return _Update(fresh, _encode_items(ItemBasics.of(fresh_items), k), changes, new_of_prev)


def _merged(old: Rows, new: Rows) -> Rows | None:
    """The rows of ``old`` whose "item" is not -1 with the rows of ``new`` inserted, both by
    ascending item, as one table by item; None when the kept rows' items do not ascend (the
    items came in another order), so only a sort can merge them. Rows of one item keep
    their order; no sort is needed.

    Each column is assembled from runs of consecutive rows (a few per changed item) with one
    copy and no temporary of the table's size: new memory is what costs on a large ART."""
    stay = np.flatnonzero(old["item"] >= 0)
    kept_item = old["item"][stay]
    if kept_item.size and bool(np.any(kept_item[1:] < kept_item[:-1])):
        return None
    m, n_old = new["item"].size, old["item"].size
    # each new row goes before the first kept row of a later item
    new_at = np.searchsorted(kept_item, new["item"], side="left") + np.arange(m)
    take = np.empty(stay.size + m, dtype=np.int64)  # per row: its row in old, or n_old + new
    kept_at = np.ones(take.size, dtype=np.bool_)
    kept_at[new_at] = False
    take[kept_at] = stay
    take[new_at] = n_old + np.arange(m)
    breaks = np.flatnonzero((np.diff(take) != 1) | (take[1:] == n_old)) + 1
    starts = np.concatenate([[0], breaks]).astype(np.int64) if take.size else breaks
    lengths = np.diff(np.append(starts, take.size))
    runs = [
        (b >= n_old, b - n_old if b >= n_old else b, length)
        for b, length in zip(take[starts].tolist(), lengths.tolist(), strict=True)
    ]
    out: Rows = {}
    for name, fresh in new.items():
        kept = old[name]
        parts = [fresh[b : b + k] if is_new else kept[b : b + k] for is_new, b, k in runs]
        out[name] = np.concatenate(parts) if parts else fresh[:0].copy()
    return out


def _items_from(n: int, prev: Columns, source: I64, up: _Update) -> Rows:
    """Every item's row: copied from ``prev`` where ``source`` points into it, else the
    update's."""
    kept = source >= 0
    rows: Rows = {}
    for name in _ITEM_FIELDS:
        arr = np.empty(n, dtype=prev.item_rows[name].dtype)
        arr[kept] = prev.item_rows[name][source[kept]]
        arr[up.fresh] = up.items[name]
        rows[name] = arr
    return rows


# the forward-filled event stream, one row per event (see Columns)
_EVENT_FIELDS: tuple[str, ...] = (
    "item",
    "t",
    "kind",
    "status",
    "cat",
    "iteration",
    "team_at",
    "pi_at",
)
_EVENT_FIELDS += ("flagged", "points", "next_t", "prev_cat", "entry")


def _stream(it: Rows, ch: Rows) -> Rows:
    """The event stream of encoded items (numbered from 0) and their sorted changes: each
    item's creation event (its state at creation), then one event per change; every field
    forward-filled, so each row holds the item's whole state from that event on."""
    n = it["created"].size
    cur_int = {STATUS: it["status"], ITERATION: it["iteration"], TEAM: it["team"]}
    cur_int |= {PI: it["pi"], FLAGGED: it["flagged"]}
    c_item, c_kind, c_from = ch["item"], ch["kind"], ch["frm"]
    c_t = np.maximum(ch["t"], it["created"][c_item]) if c_item.size else ch["t"]
    # (a change stamped before creation counts at creation, in its order)
    # the state at creation: the first change's "from", else the current value
    init_int = {k: v.copy() for k, v in cur_int.items()}
    init_cat, init_pts = it["cat"].copy(), it["points"].copy()
    for kind, arr in init_int.items():
        sel = np.flatnonzero(c_kind == kind)
        items_k, first_k = _firsts(c_item[sel])
        arr[items_k] = c_from[sel[first_k]]
        if kind == STATUS:
            init_cat[items_k] = ch["fcat"][sel[first_k]]
    sel = np.flatnonzero(c_kind == POINTS)
    items_k, first_k = _firsts(c_item[sel])
    init_pts[items_k] = ch["fnum"][sel[first_k]]
    e = n + c_item.size
    # each item's creation, then its changes as sorted (a clamped time keeps the order):
    # the stream's order is known without sorting it
    order = np.empty(e, dtype=np.int64)
    order[np.arange(n) + np.searchsorted(c_item, np.arange(n))] = np.arange(n)
    order[np.arange(c_item.size) + c_item + 1] = np.arange(n, e)
    s: Rows = {
        "item": np.concatenate([np.arange(n, dtype=np.int64), c_item])[order],
        "t": np.concatenate([it["created"], c_t])[order],
        "kind": np.concatenate([np.zeros(n, dtype=np.int8), c_kind])[order],
    }
    kinds, pos = s["kind"], np.arange(e)
    c_val = ch["val"]

    def fill(kind: int, init: npt.NDArray[Any], val: npt.NDArray[Any]) -> npt.NDArray[Any]:
        raw = np.concatenate([init, val])[order]
        idx = np.where((kinds == kind) | (kinds == CREATE), pos, 0)
        np.maximum.accumulate(idx, out=idx)
        return raw[idx]

    s["status"] = fill(STATUS, init_int[STATUS], c_val).astype(np.int32)
    s["cat"] = fill(STATUS, init_cat, ch["cat"]).astype(np.int8)
    s["iteration"] = fill(ITERATION, init_int[ITERATION], c_val).astype(np.int32)
    s["team_at"] = fill(TEAM, init_int[TEAM], c_val).astype(np.int32)
    s["pi_at"] = fill(PI, init_int[PI], c_val).astype(np.int32)
    s["flagged"] = fill(FLAGGED, init_int[FLAGGED], c_val).astype(np.bool_)
    s["points"] = fill(POINTS, init_pts, ch["num"]).astype(np.float64)
    last_of_item = np.ones(e, dtype=np.bool_)
    if e:
        last_of_item[:-1] = s["item"][1:] != s["item"][:-1]
    s["next_t"] = np.where(last_of_item, NEVER, np.roll(s["t"], -1))
    s["prev_cat"] = np.where(kinds == CREATE, -1, np.roll(s["cat"], 1)).astype(np.int8)
    s["entry"] = (kinds == CREATE) | (kinds == STATUS)
    return s


def _firsts(item: I64) -> tuple[I64, I64]:
    """The distinct items and the place of each one's first row, as ``np.unique`` gives
    them; without its sort when the rows come by item, as the changes do."""
    if item.size and bool(np.all(item[1:] >= item[:-1])):
        first = np.flatnonzero(np.concatenate([[True], item[1:] != item[:-1]]))
        return item[first], first
    items, first = np.unique(item, return_index=True)
    return items, first


def _stream_from(prev: Columns, up: _Update) -> tuple[Rows, Rows] | None:
    """``prev``'s event stream with the events of the items encoded again replaced, and
    those items' own stream (numbered from 0, in ``up.fresh`` order): every field of an
    event depends on its own item's events only, so the other items' events are copied as
    they are. None when the items came in another order."""
    local = {**up.changes, "item": np.searchsorted(up.fresh, up.changes["item"])}
    mine = _stream(up.items, local)
    old = {name: getattr(prev, name) for name in _EVENT_FIELDS}
    old["item"] = up.new_of_prev[prev.item]
    merged = _merged(old, {**mine, "item": up.fresh[mine["item"]]})
    return None if merged is None else (merged, mine)


def _part(stream: Rows, coders: _Coders, n: int) -> Columns:
    """Columns over some items' own stream (numbered from 0): what :func:`_flows` reads."""
    part = object.__new__(Columns)
    part.n = n
    for name in _EVENT_FIELDS:
        setattr(part, name, stream[name])
    part.e = part.item.size
    part.first = np.searchsorted(part.item, np.arange(n))
    part.statuses = coders.statuses
    part._basis = None
    return part


@dataclass(frozen=True, slots=True)
class _Basis:
    """What a new version's flow arrays are patched from: the columns before (held weakly:
    versions never keep their predecessors alive), per item its row there (-1: encoded
    again), and the items encoded again (``fresh``) as columns of their own."""

    prev: weakref.ref[Columns]
    source: I64
    fresh: I64
    part: Columns


class Columns:
    """Item attributes and the forward-filled event stream of one ArtData. ``encoded``: how
    many items this build encoded (all, or those changed since the version before); the
    encoded item rows are kept (``item_rows``) so the next version copies them."""

    item: I64  # per event: its item
    t: I64  # per event: when (clamped to the item's creation)
    kind: npt.NDArray[np.int8]  # CREATE or the field it changes
    status: npt.NDArray[np.int32]
    cat: npt.NDArray[np.int8]
    iteration: npt.NDArray[np.int32]
    team_at: npt.NDArray[np.int32]
    pi_at: npt.NDArray[np.int32]
    flagged: BOOL
    points: F64
    next_t: I64  # the item's next event (NEVER after its last)
    prev_cat: npt.NDArray[np.int8]  # the category before the event (-1 at creation)
    entry: BOOL  # creation or a status change: an entry into the status
    key_rank: I64  # per item, its key's place among the keys (see key_ranks)

    def __init__(self, data: ArtData) -> None:
        items = data.items
        n = self.n = len(items)
        before = data.refreshed_from()
        prev = before.derived_if_built(Columns) if before is not None else None
        stream: Rows | None = None
        self._basis: _Basis | None = None
        if before is not None and prev is not None and before.definition == data.definition:
            self.keys, self.index = _keys_from(data, prev)
            coders = _Coders(prev.coders)
            source = _sources(data, before, prev)
            up = _update(data, self.index, coders, source, prev.n)
            spliced = _stream_from(prev, up)  # None when the items came in another order
            if spliced is not None:
                stream, mine = spliced
                self.key_rank = (  # carried with the very same keys
                    prev.key_rank if self.index is prev.index else key_ranks(self.keys)
                )
                self.item_rows, self.encoded = _items_from(n, prev, source, up), up.fresh.size
                part = _part(mine, coders, up.fresh.size)
                self._basis = _Basis(weakref.ref(prev), source, up.fresh, part)
        if stream is None:
            basics = data.derived(ItemBasics)
            self.keys, self.index, self.key_rank = basics.keys, basics.index, basics.key_rank
            coders = _Coders()
            self.item_rows, changes = _encoded(data, basics, coders)
            stream, self.encoded = _stream(self.item_rows, changes), n
        self.coders: _Coders = coders
        self.statuses, self.iterations = coders.statuses, coders.iterations
        self.teams, self.pis = coders.teams, coders.pis
        it = self.item_rows
        self.created, self.level, self.work_type = it["created"], it["level"], it["work_type"]
        self.team, self.deleted = it["team"], it["deleted"]
        for name in _EVENT_FIELDS:
            setattr(self, name, stream[name])
        self.e = self.item.size
        self.first = np.searchsorted(self.item, np.arange(n))
        # the time of the stream's last event: every time from it on sees the same events
        self.t_last = int(self.t.max()) if self.e else NEVER
        self._flows: dict[int, FlowArrays] = {}
        self._event_pi: I64 | None = None

    def last_index(self, t: int, *, inclusive: bool = True) -> I64:
        """Per item, the event in force at ``t`` (-1 before creation)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        mask = (self.t <= t) if inclusive else (self.t < t)
        cnt = np.add.reduceat(mask.astype(np.int64), self.first)
        out: I64 = self.first + cnt - 1
        out[cnt == 0] = -1
        return out

    def first_where(self, mask: BOOL) -> I64:
        """Per item, the first event where ``mask`` holds (-1 when none)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        big = np.int64(self.e)
        m = np.minimum.reduceat(np.where(mask, np.arange(self.e), big), self.first)
        return np.where(m == big, -1, m).astype(np.int64)

    def last_where(self, mask: BOOL) -> I64:
        """Per item, the last event where ``mask`` holds (-1 when none)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        m = np.maximum.reduceat(np.where(mask, np.arange(self.e), -1), self.first)
        return m.astype(np.int64)

    def restart_floor(self, starts: BOOL, back: BOOL) -> I64:
        """Per item, the first event after its last ``back`` event that some ``starts`` event
        follows (0 when none): where a restarted item's start rule begins to read."""
        pos = np.arange(self.e)
        last_back = np.maximum.accumulate(np.where(back, pos, -1))
        last_back = np.where(last_back >= self.first[self.item], last_back, -1)  # own item only
        last_start = self.last_where(starts)
        cut = np.where(last_start >= 0, last_back[np.maximum(last_start, 0)], -1)
        return np.where(cut >= 0, cut + 1, 0).astype(np.int64)

    def event_pi(self, data: ArtData) -> I64:
        """Per event, the PI code the item belongs to: its iteration's PI, or (with no known
        iteration) its own PI field; -1 for none."""
        if self._event_pi is None:
            it_pi = np.array(
                [
                    self.pis.code(data.iteration_by_key[k].pi) if k in data.iteration_by_key else -3
                    for k in self.iterations.values
                ]
                + [-3],
                dtype=np.int64,
            )
            member = it_pi[np.where(self.iteration >= 0, self.iteration, -1)]
            self._event_pi = np.where(member == -3, self.pi_at, member).astype(np.int64)
        return self._event_pi

    def flows(self, data: ArtData, as_of: datetime) -> FlowArrays:
        """Start/done rules and the active/wait split for every item at ``as_of`` (cached)."""
        t = self.flow_time(us(as_of))
        got = self._flows.get(t)
        if got is None:
            got = self._flows[t] = self._patched_flows(data, t) or _flows(self, data, t)
        return got

    def flow_time(self, t: int) -> int:
        """The time the flow arrays at ``t`` are computed and kept under: ``t`` itself, or
        NEVER from the last event on. The arrays read time only through the events at or
        before it, so every time past the last event gives the same ones; a report "as of
        now" (to the microsecond) then shares them with the other reports of its data
        version and the version after patches them, where each would compute its own."""
        return NEVER if t >= self.t_last else t

    def _patched_flows(self, data: ArtData, t: int) -> FlowArrays | None:
        """The flow arrays at ``t`` (a :meth:`flow_time`) from those the version before
        computed at ``t``, with the items encoded again computed on their own: the rules are
        per item, only the event positions move. None when there is nothing to patch from."""
        b = self._basis
        prev = b.prev() if b is not None else None
        before = prev._flows.get(t) if prev is not None else None
        if b is None or prev is None or before is None:
            return None
        mine = _flows(b.part, data, t)
        kept = b.source >= 0
        rows = b.source[kept]
        shift_kept = self.first[kept] - prev.first[rows]
        shift_fresh = self.first[b.fresh] - b.part.first
        out: dict[str, npt.NDArray[Any]] = {}
        for name in FlowArrays.__slots__:
            old, new = getattr(before, name)[rows], getattr(mine, name)
            if name in _EVENT_INDICES:  # positions in the stream: each item's own moved
                old = np.where(old >= 0, old + shift_kept, old)
                new = np.where(new >= 0, new + shift_fresh, new)
            arr = np.empty(self.n, dtype=old.dtype)
            arr[kept], arr[b.fresh] = old, new
            out[name] = arr
        return FlowArrays(**out)


@dataclass(frozen=True, slots=True)
class FlowArrays:
    """Per-item arrays at one as-of time; indices point into the event stream."""

    last: I64  # event in force at as_of (-1: not created yet)
    start: I64  # event of the start (-1: never started); the last one with restart_on_backlog
    done: I64  # event of the done entry (-1: not done)
    started_us: I64
    done_us: I64
    active_us: I64
    timed: BOOL  # done, started, and started no later than done
    in_progress: BOOL
    cat: npt.NDArray[np.int8]  # category at as_of (-1 before creation)
    # the start without restarts: an item is in progress from it on (a restart never makes
    # an item unstarted), so the flow load per day counts from it
    first_start: I64


_EVENT_INDICES = ("last", "start", "done", "first_start")  # the FlowArrays that are positions


def _flows(c: Columns, data: ArtData, t: int) -> FlowArrays:
    d = data.definition
    last = c.last_index(t)
    exists = last >= 0
    li = np.maximum(last, 0)
    cat = np.where(exists, c.cat[li], -1).astype(np.int8)
    seen = c.entry & (c.t <= t)
    started_cat = seen & ((c.cat == ACTIVE) | (c.cat == WAIT))
    named = (
        seen & (c.status == c.statuses.get(d.start_status))
        if d.start_status is not None
        else np.zeros(c.e, dtype=np.bool_)
    )
    first_start = _start(c, started_cat, named)
    start = first_start
    if d.restart_on_backlog:
        back = seen & (c.cat == TODO) & ~named
        after = np.arange(c.e) >= c.restart_floor(started_cat | named, back)[c.item]
        start = _start(c, started_cat & after, named & after)
    is_done = exists & (cat == DONE)
    if d.done_rule == "first":
        since = seen & (c.cat == DONE)
        if d.restart_on_backlog:
            since &= np.arange(c.e) >= start[c.item]
        done = np.where(is_done, c.first_where(since), -1)
    else:
        run = (c.cat == DONE) & (c.prev_cat != DONE)
        run_start = np.maximum.accumulate(np.where(run, np.arange(c.e), -1))
        done = np.where(is_done, run_start[li], -1)
    done = done.astype(np.int64)
    started_us = np.where(start >= 0, c.t[np.maximum(start, 0)], 0)
    done_us = np.where(done >= 0, c.t[np.maximum(done, 0)], 0)
    timed = (done >= 0) & (start >= 0) & (start <= done)
    seg = np.where(c.next_t == NEVER, 0, c.next_t - c.t)
    act = np.where((c.cat == ACTIVE) & ~c.flagged, seg, 0)
    csum = np.concatenate([np.zeros(1, np.int64), np.cumsum(act)])
    active_us = np.where(timed, csum[np.maximum(done, 0)] - csum[np.maximum(start, 0)], 0)
    in_progress = (start >= 0) & exists & (cat != DONE) & (cat != REMOVED)
    return FlowArrays(
        last, start, done, started_us, done_us, active_us, timed, in_progress, cat, first_start
    )


def _start(c: Columns, started_cat: BOOL, named: BOOL) -> I64:
    """Per item, the first entry into the named start status, else into an active or wait one."""
    start = c.first_where(started_cat)
    first_named = c.first_where(named)
    return np.where(first_named >= 0, first_named, start).astype(np.int64)


def _guess(status: str | None, item: ItemFacts) -> StatusCategory:
    return guess_category(status or "", item)


def key_ranks(keys: list[str]) -> I64:
    """Per item, the place of its key among all keys as Python orders strings: rows sorted
    by key then sort by one integer column (a report of tens of thousands of rows would
    otherwise sort their strings each time)."""
    # (NumPy orders its strings by code point, as Python does, and stably: a key twice
    # keeps the order of its items; keys with a NUL, which NumPy's strings drop at the
    # end, are sorted by Python: one pass over the joined keys finds any)
    if "\x00" in "".join(keys):
        order: Any = sorted(range(len(keys)), key=keys.__getitem__)
    else:
        order = np.argsort(np.array(keys, dtype=np.str_), kind="stable")
    rank: I64 = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys), dtype=np.int64)
    return rank


def _keys_from(data: ArtData, prev: Columns) -> tuple[list[str], dict[str, int]]:
    """The item keys and their index, from ``prev``'s where the loader says which positions
    changed and no key did (the index is then shared: it is never written after a build)."""
    changed = data.changed_since_before()
    if changed is not None:  # (set only when the item count is the same)
        keys = list(prev.keys)
        for i in changed:
            keys[i] = data.items[i].key
        if all(keys[i] == prev.keys[i] for i in changed):
            return keys, prev.index
    else:
        keys = [it.key for it in data.items]
    return keys, {k: i for i, k in enumerate(keys)}


def columns(data: ArtData) -> Columns:
    """The columns of ``data``, built on first use and kept with it."""
    return data.derived(Columns)
