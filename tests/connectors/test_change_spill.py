"""Changes parked on disk come back exactly as parked, by item, in the order parked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory
from connectors.change_spill import FLUSH_ROWS, IN_MEMORY, ChangeSpill

AT = datetime(2026, 3, 1, 9, 30, 15, 123457, tzinfo=UTC)


def change(key: str, seq: int, at: datetime = AT, **kw: object) -> ChangeRecord:
    values: dict[str, object] = {
        "item_key": key,
        "field": ChangeField.POINTS,
        "at": at,
        "from_value": None,
        "to_value": str(seq),
        "seq": seq,
    }
    values.update(kw)
    return ChangeRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("in_memory", [0, 2, IN_MEMORY], ids=["disk", "both", "memory"])
def test_changes_come_back_exactly_by_item_in_the_order_parked(in_memory: int) -> None:
    """Held on disk, in memory, or the first two in memory and the third on disk."""
    status = change(
        "7",
        0,
        field=ChangeField.STATUS,
        from_value="New",
        to_value="Active",
        from_category=StatusCategory.TODO,
        to_category=StatusCategory.ACTIVE,
        author="Jamal Hartnett",
    )
    # another zone, and a time before the epoch: the same instants come back, in UTC
    east = change("7", 1, at=datetime(2026, 3, 1, 11, 0, 0, 1, tzinfo=timezone(timedelta(hours=2))))
    early = change("9", 0, at=datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    spill = ChangeSpill(in_memory)
    try:
        spill.park(7, [status])
        spill.park(9, [early])
        spill.park(7, [east])
        taken = spill.take([9, 7, 8])
    finally:
        spill.close()

    assert taken == {7: [status, east], 9: [early]}  # 8 parked nothing: absent
    assert spill.parked == (3, 1, 0)[[0, 2, IN_MEMORY].index(in_memory)]  # parks on disk
    assert taken[7][1].at == datetime(2026, 3, 1, 9, 0, 0, 1, tzinfo=UTC)
    assert taken[7][0].to_category is StatusCategory.ACTIVE
    assert taken[9][0].from_category is None


def test_many_changes_are_written_in_rounds_and_taken_by_the_items_asked() -> None:
    count = FLUSH_ROWS * 2 + 3  # two rounds written while parking, the rest when taken
    spill = ChangeSpill(in_memory=0)
    try:
        for n in range(count):  # item n % 1000, its seq-th change: n // 1000
            spill.park(n % 1000, [change(str(n % 1000), n // 1000)])
        parked_while_parking = spill.parked
        taken = spill.take([*range(0, 1000, 2), 5])  # 501 ids: two IN lists
    finally:
        spill.close()

    assert parked_while_parking == FLUSH_ROWS * 2
    assert sorted(taken) == sorted([*range(0, 1000, 2), 5])
    rounds, rest = divmod(count, 1000)  # items below ``rest`` have one change more
    assert [c.seq for c in taken[2]] == list(range(rounds + (rest > 2)))
    assert [c.seq for c in taken[998]] == list(range(rounds + (rest > 998)))
    assert all(c.item_key == "5" for c in taken[5])
    assert sum(len(v) for v in taken.values()) == 501 * rounds + len([*range(0, rest, 2)])
