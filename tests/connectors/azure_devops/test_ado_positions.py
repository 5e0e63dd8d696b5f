"""PositionTable: where each item's history stands, held in columns."""

from __future__ import annotations

from art.vocabulary import StatusCategory
from connectors.azure_devops.history import Position, Snapshot
from connectors.azure_devops.positions import PositionTable
from connectors.key_rows import ABSENT

ACTIVE = Snapshot(("Active", "Team A"), StatusCategory.ACTIVE)
CLOSED = Snapshot(("Closed", "Team A"), StatusCategory.DONE)


def test_positions_are_put_found_by_page_and_popped() -> None:
    table = PositionTable(merge_at=2)
    first = table.put(101, ABSENT, Position(1, ACTIVE, 0))
    table.put(7, ABSENT, None)  # known, without a position (a broken history)
    table.put(55, ABSENT, Position(4, CLOSED, 3))  # merges
    assert len(table) == 3
    assert list(table) == [101, 7, 55]
    rows = table.rows([55, 101, 8, 7])
    assert rows == {55: 2, 101: first, 7: 1}
    table.put(101, rows[101], Position(2, CLOSED, 1))
    assert table.get(rows[101]) == Position(2, CLOSED, 1)
    assert table.get(rows[7]) is None

    assert table.pop([101, 8, 7]) == {101: Position(2, CLOSED, 1), 7: None}
    assert len(table) == 1
    assert list(table) == [55]
    assert table.rows([101, 7, 55]) == {101: 0, 7: 1, 55: 2}  # popped rows are kept
    assert [table.held(r) for r in (0, 1, 2)] == [False, False, True]
    assert table.pop([101]) == {}  # popped once only


def test_an_item_put_again_after_it_was_popped_is_held_in_its_old_row() -> None:
    table = PositionTable(merge_at=1)
    table.put(4, ABSENT, None)
    table.put(9, ABSENT, Position(3, ACTIVE, 2))
    table.pop([9])
    row = table.rows([9])[9]
    assert table.put(9, row, Position(5, CLOSED, 4)) == row == 1
    assert len(table) == 2
    assert table.pop([9]) == {9: Position(5, CLOSED, 4)}
