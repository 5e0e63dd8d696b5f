"""KeyRows: rows by key across merges of its sorted arrays."""

from __future__ import annotations

from connectors.key_rows import ABSENT, KeyRows


def test_rows_are_numbered_in_the_order_keys_are_added_before_and_after_a_merge() -> None:
    rows = KeyRows(merge_at=3)
    added = [rows.add(k) for k in (50, -7, 2**40, 3, 11)]  # the third add merges
    assert added == [0, 1, 2, 3, 4]
    assert len(rows) == 5
    assert list(rows) == [50, -7, 2**40, 3, 11]
    assert rows.rows([3, 2**40, 50, 12, -7, 11, 99]) == [3, 2, 0, ABSENT, 1, 4, ABSENT]
    assert rows.row(-7) == 1
    assert rows.row(10**12) == ABSENT  # past every sorted key
    assert rows.key(2) == 2**40


def test_an_empty_table_finds_nothing() -> None:
    rows = KeyRows(merge_at=2)
    assert rows.rows([1, 2]) == [ABSENT, ABSENT]
    assert rows.rows([]) == []
    assert len(rows) == 0


def test_many_keys_over_many_merges_each_keep_their_row() -> None:
    rows = KeyRows(merge_at=64)
    keys = [(k * 7919) % 10_007 for k in range(5_000)]  # distinct, in no order
    for k in keys:
        rows.add(k)
    assert rows.rows(keys) == list(range(5_000))
    assert rows.rows([10_007, -1]) == [ABSENT, ABSENT]
