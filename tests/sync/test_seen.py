"""What a full pull saw, as store ids: the stored items it did not see are the ones missing."""

from __future__ import annotations

from sync.seen import SeenItems


def test_the_stored_items_not_seen_by_id_or_skipped_key_are_missing() -> None:
    seen = SeenItems()
    seen.add([3, 1, 2], [])
    seen.add([2, 7], ["PHX-9"])  # read but not mapped: kept by key
    seen.add([], [])
    stored = [
        [(1, "PHX-1"), (4, "PHX-4"), (2, "PHX-2")],
        [],
        [(9, "PHX-9"), (5, "PHX-5"), (7, "PHX-7"), (3, "PHX-3")],
    ]
    assert list(seen.missing(stored)) == ["PHX-4", "PHX-5"]


def test_with_nothing_seen_every_stored_item_is_missing() -> None:
    assert list(SeenItems().missing([[(1, "A-1"), (2, "A-2")]])) == ["A-1", "A-2"]


def test_ids_are_found_across_parts_and_at_both_ends() -> None:
    seen = SeenItems()
    seen.add(range(10, 0, -1), [])  # 10..1, added in no order
    stored = [[(0, "K-0"), (1, "K-1")], [(10, "K-10"), (11, "K-11")], [(5, "K-5"), (6, "K-6")]]
    assert list(seen.missing(stored)) == ["K-0", "K-11"]
