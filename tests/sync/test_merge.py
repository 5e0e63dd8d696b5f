"""Merging a pull's batches: the merge stores what its parts applied in turn would."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.models import Watermark
from art.records import Deletion, RecordBatch
from sync.merge import merged, merges
from tests.sync.fake_connector import T0, FakeConnector, FakeItem, make_items
from tests.sync.test_pull import _applier, _state, _truth, ready

__all__ = ["ready"]  # the fixture, used by name


def _page(items: list[FakeItem], keys: list[str], watermark: str | None) -> RecordBatch:
    """One batch with ``keys`` as FakeConnector maps them now (whole history and links)."""
    everything = next(iter(FakeConnector(items, page=len(items)).pull(None)))
    batch = RecordBatch(watermark=watermark, requests=1)
    batch.items = [r for r in everything.items if r.key in keys]
    batch.changes = [c for c in everything.changes if c.item_key in keys]
    batch.links = [k for k in everything.links if k.from_key in keys or k.to_key in keys]
    batch.complete_history_for = set(keys)
    batch.complete_links_for = set(keys)
    return batch


def _apply(sessions: sessionmaker[Session], batch: RecordBatch) -> None:
    with sessions() as s, s.begin():
        _applier(sessions).apply(s, batch, T0)


def test_a_later_part_replaces_what_an_earlier_one_said_of_an_item() -> None:
    items = make_items(4)  # PHX-1 blocks PHX-2; PHX-4 blocks nothing of these four
    items[0].blocks = ["PHX-2", "PHX-3"]
    first = _page(items, ["PHX-1", "PHX-2"], "w1")
    items[0].move("To Do", T0 + timedelta(days=5))  # reopened
    items[0].history = items[0].history[1:]  # and the tracker lost its oldest change
    items[0].blocks = ["PHX-3"]  # and the link to PHX-2
    second = _page(items, ["PHX-1", "PHX-4"], None)
    batch = merged([first, second])
    assert [(r.key, r.status) for r in batch.items] == [
        ("PHX-2", "To Do"),
        ("PHX-1", "Done"),
        ("PHX-4", "To Do"),
        ("PHX-1", "To Do"),  # the last record of an item is the one applied
    ]
    assert [(c.item_key, c.to_value) for c in batch.changes] == [
        ("PHX-1", "Done"),
        ("PHX-1", "To Do"),
    ]
    assert sorted((k.from_key, k.to_key) for k in batch.links) == [("PHX-1", "PHX-3")]
    assert batch.complete_history_for == {"PHX-1", "PHX-2", "PHX-4"}
    assert (batch.watermark, batch.requests) == ("w1", 2)


def test_merged_parts_store_what_the_parts_store_in_turn(
    ready: sessionmaker[Session],
) -> None:
    items = make_items(6)
    items[1].blocks = ["PHX-3"]
    parts = [_page(items, ["PHX-1", "PHX-2", "PHX-3"], "w1")]
    items[1].move("Done", T0 + timedelta(days=3))
    items[1].blocks = ["PHX-4"]  # PHX-2 now blocks PHX-4, not PHX-3
    parts.append(_page(items, ["PHX-2", "PHX-4", "PHX-5"], "w2"))
    parts.append(_page(items, ["PHX-6"], None))
    parts[-1].deletions = [Deletion("PHX-5")]
    _apply(ready, merged(parts))
    with ready() as s:
        assert s.scalars(select(Watermark.value)).all() == []  # the applier writes none
    state = _state(ready)
    expected = _truth(items)
    expected["items"] = [
        (*row[:3], row[0] == "PHX-5", row[4])
        for row in expected["items"]  # type: ignore[attr-defined]
    ]
    assert state == expected
    assert state["links"] == [  # PHX-2 -> PHX-3 of the first part is gone
        ("PHX-1", "PHX-2", "blocks"),
        ("PHX-2", "PHX-4", "blocks"),
        ("PHX-4", "PHX-5", "blocks"),
    ]


def test_a_batch_with_deletions_ends_its_merge() -> None:
    items = make_items(3)
    first = _page(items, ["PHX-1"], "w1")
    gone = RecordBatch(deletions=[Deletion("PHX-2")], requests=1)
    back = _page(items, ["PHX-2", "PHX-3"], "w3")  # PHX-2 is back after its deletion
    out = list(merges([first, gone, back]))
    assert [([r.key for r in b.items], [d.key for d in b.deletions], b.watermark) for b in out] == [
        (["PHX-1"], ["PHX-2"], "w1"),
        (["PHX-2", "PHX-3"], [], "w3"),
    ]
