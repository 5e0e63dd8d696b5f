"""LazyHistories: a table's rows per item as change lists, made once, with what a refresh
puts or removes on top, and copies that share the table."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from art.vocabulary import ChangeField, StatusCategory
from metrics.history_table import HistoryTable, LazyHistories, editable, same_history
from metrics.inputs import Change

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T0_US = 1_772_442_000_000_000  # T0 in microseconds since the epoch


def _table() -> LazyHistories[int]:
    table = HistoryTable(
        t=np.array([T0_US, T0_US + 1, T0_US + 2_000_000], dtype=np.int64),
        field_code=np.array([0, 0, 5], dtype=np.int8),  # status, status, flagged
        seq=np.array([1, 2, 0], dtype=np.int64),
        from_code=np.array([0, 0, -1], dtype=np.int32),  # To Do, To Do, none
        to_code=np.array([0, 1, 2], dtype=np.int32),  # To Do, Doing, true
        values=["To Do", "Doing", "true"],
        from_cat=np.array([0, 0, -1], dtype=np.int8),
        to_cat=np.array([0, 1, -1], dtype=np.int8),
    )
    return LazyHistories(table, {10: (0, 2, "A-1"), 11: (2, 3, "A-2")})


def test_rows_become_change_lists_once() -> None:
    h = _table()
    assert h[10] == [
        Change("A-1", ChangeField.STATUS, T0, "To Do", "To Do", StatusCategory.TODO,
               StatusCategory.TODO, 1),
        Change("A-1", ChangeField.STATUS, T0.replace(microsecond=1), "To Do", "Doing",
               StatusCategory.TODO, StatusCategory.ACTIVE, 2),
    ]  # fmt: skip
    assert h[11] == [
        Change("A-2", ChangeField.FLAGGED, T0.replace(second=2), None, "true", None, None, 0)
    ]
    assert h[10] is h[10] and h.copy()[10] is h[10]
    assert (list(h), len(h), 12 in h, h.get(12)) == ([10, 11], 2, False, None)
    assert [b.tolist() for b in h.bounds()] == [[0, 2], [2, 3]]  # (starts, stops)
    assert h.copy().bounds() is h.bounds()  # (a copy shares the spans, so their bounds)


def test_a_copy_takes_puts_and_removals_without_touching_the_original() -> None:
    h = _table()
    before = h[10]
    mine = editable(h)
    new = [Change("A-1", ChangeField.STATUS, T0, "Doing", "Done")]
    mine[10] = new
    mine[12] = []
    assert mine.pop(11) is None  # (a table's rows are not made into a list to be dropped)
    assert mine.pop(11, "none") == "none"
    assert (sorted(mine), len(mine), mine[10] is new) == ([10, 12], 2, True)
    assert (sorted(h), h[10] is before, len(h.table._lists)) == ([10, 11], True, 1)
    assert not same_history(h, mine, 10) and not same_history(h, mine, 11)
    assert same_history(h, h.copy(), 11)  # neither made: the same rows
    assert not h.copy()._own and h.pristine() and not mine.pristine()  # type: ignore[attr-defined]


def test_rekeyed_gives_the_same_lists_under_new_keys() -> None:
    h = _table()
    h[11] = put = [Change("A-2", ChangeField.TEAM, T0, None, "B")]
    by_key = h.rekeyed({10: "A-1", 11: "A-2"})
    assert (sorted(by_key), by_key["A-1"] is h[10], by_key["A-2"] is put) == (
        ["A-1", "A-2"],
        True,
        True,
    )
    assert len(by_key) == 2


def _pairs(changes: list[Change]) -> list[tuple[str, str | None]]:
    return [(c.item_key, c.to_value) for c in changes]


def test_changes_between_reads_the_window_without_making_every_list() -> None:
    h = _table()
    second, later = T0.replace(microsecond=1), T0.replace(second=5)
    mine = h.copy()
    mine[11] = [Change("A-2", ChangeField.STATUS, second, "To Do", "Done")]
    assert h.changes_between(ChangeField.STATUS, T0, later) == [
        Change("A-1", ChangeField.STATUS, second, "To Do", "Doing", StatusCategory.TODO,
               StatusCategory.ACTIVE, 2),
    ]  # fmt: skip
    # (the window is open at its start: the change at T0 itself is not in it)
    flagged = h.changes_between(ChangeField.FLAGGED, T0, T0.replace(second=2))
    assert _pairs(flagged) == [("A-2", "true")]
    assert h.changes_between(ChangeField.FLAGGED, T0, T0.replace(second=1)) == []
    both = mine.changes_between(ChangeField.STATUS, T0, later)
    assert _pairs(both) == [("A-1", "Doing"), ("A-2", "Done")]
    mine.pop(10)
    assert _pairs(mine.changes_between(ChangeField.STATUS, T0, later)) == [("A-2", "Done")]
    assert not h.table._lists  # no item's list was made
