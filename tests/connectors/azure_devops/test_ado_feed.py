"""The revisions feed folded per item: whole histories, continued ones, and broken ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from art.records import ChangeRecord
from art.vocabulary import ChangeField, StatusCategory
from connectors.azure_devops.feed import FeedHistory, Folded
from connectors.azure_devops.history import Position, Snapshot

from .test_ado_mapping import context

PBI = "Product Backlog Item"
JAMAL = "Jamal Hartnett"
SPRINT = "Fabrikam-Fiber-Git\\Release 1\\Sprint 1"


def revision(number: Any, rev: int, state: str, hour: int, **fields: Any) -> dict[str, Any]:
    values = {
        "System.WorkItemType": PBI,
        "System.State": state,
        "System.ChangedDate": f"2026-03-0{rev}T{hour:02d}:00:00.25Z",
        "System.ChangedBy": {"displayName": "Jamal Hartnett"},
        "System.AreaPath": "Fabrikam-Fiber-Git",
    }
    values.update(fields)
    return {"id": number, "rev": rev, "fields": values}


def status(key: str, at: datetime, old: str, new: str, seq: int) -> ChangeRecord:
    categories = {"New": StatusCategory.TODO, "Committed": StatusCategory.ACTIVE}
    categories["Done"] = StatusCategory.DONE
    kinds = categories[old], categories[new]
    return ChangeRecord(key, ChangeField.STATUS, at, old, new, *kinds, "Jamal Hartnett", seq)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, 0, 250000, tzinfo=UTC)


def test_whole_and_continued_histories_come_back_with_where_they_stand() -> None:
    ctx = context()
    earlier_snapshot = Snapshot(("Committed", None, None, "Fiber", None, "false"), None)
    earlier = {20: Position(3, earlier_snapshot, 4)}  # item 20's last pull stopped at rev 3
    asked: list[list[int]] = []

    def stored(ids: list[int]) -> dict[int, Position]:
        asked.append(ids)
        return {i: earlier[i] for i in ids if i in earlier}

    history = FeedHistory(stored)
    feed = [
        revision(10, 1, "New", 8),
        revision(20, 4, "Done", 9),
        revision(10, 2, "Committed", 10, **{"System.IterationPath": SPRINT}),
        revision(30, 1, "New", 11),
        {"id": "x", "rev": 1, "fields": {}},  # not an item's revision: ignored
        revision(10, 3, "Done", 12, **{"System.IterationPath": SPRINT}),
    ]
    history.add_page(ctx, feed[:3])
    history.add_page(ctx, feed[3:])
    assert sorted(history) == [10, 20, 30]
    assert asked == [[20]]  # once, for the only item the feed names past its rev 1

    taken = history.take([10, 20, 30, 40])

    assert taken[10] == Folded(
        [
            status("10", at(2, 10), "New", "Committed", 0),
            ChangeRecord(
                "10", ChangeField.ITERATION, at(2, 10), None, SPRINT, None, None, JAMAL, 1
            ),
            ChangeRecord(  # the PI of the sprint's release
                "10", ChangeField.PI, at(2, 10), None, "Release 1", None, None, JAMAL, 2
            ),
            status("10", at(3, 12), "Committed", "Done", 3),
        ],
        taken[10].position,
        True,
    )
    assert (taken[10].position.rev, taken[10].position.seq) == (3, 4)
    values = ("Done", SPRINT, "Release 1", "Fiber", None, "false")
    assert taken[10].position.snapshot.values == values
    # item 20 goes on from its earlier position: its first change numbered after the four
    done = ChangeRecord(
        "20", ChangeField.STATUS, at(4, 9), "Committed", "Done", None, StatusCategory.DONE,
        "Jamal Hartnett", 4,
    )  # fmt: skip
    assert taken[20] == Folded([done], taken[20].position, False)
    assert (taken[20].position.rev, taken[20].position.seq) == (4, 5)
    assert taken[30] == Folded([], taken[30].position, True)  # created, never changed
    assert 40 not in taken  # never in the feed
    assert len(history) == 0 and history.take([10]) == {}  # taken items are forgotten
    history.close()


def test_histories_the_feed_cannot_continue_are_left_for_the_item_revisions() -> None:
    ctx = context()
    history = FeedHistory(lambda ids: {})
    feed = [
        revision(1, 4, "Done", 8),  # starts past rev 1 with no earlier position
        revision(2, 1, "New", 8),
        revision(2, 3, "Done", 9),  # a gap: rev 2 is missing
        revision(3, 1, "New", 8, **{"System.IsDeleted": True}),  # deleted first revision
        revision(3, 2, "Committed", 9),
        {"id": 4, "rev": 1},  # no fields
        revision(5, 1, "New", 8, **{"System.ChangedDate": "soon"}),  # unreadable date
        revision(5, 2, "Committed", 9, **{"System.ChangedDate": "soon"}),
        revision(6, 1, "New", 8),
        revision(6, 2, "Committed", 9),
    ]
    history.add_page(ctx, feed)

    taken = history.take([1, 2, 3, 4, 5, 6])

    assert sorted(history.take([])) == [] and sorted(taken) == [6]
    assert len(history) == 0  # the broken ones are forgotten with the rest
    assert taken[6].changes == [status("6", at(2, 9), "New", "Committed", 0)]
    history.close()
