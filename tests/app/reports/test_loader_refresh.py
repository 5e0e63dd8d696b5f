"""An incremental refresh of a loaded ART equals a fresh load of the store."""

from __future__ import annotations

import dataclasses
import gc
import threading
import weakref
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

import app.reports.service as service_module
from app.reports.loader import ArtSnapshot, refresh_art, snapshot_art
from app.reports.service import ReportService
from metrics.columns import Columns, columns
from metrics.dependencies import _dependency_links
from metrics.inputs import ArtData
from sync.runner import PullRunner
from sync.structure import apply_config
from tests.sync.fake_connector import T0, FakeConnector, FakeItem, make_items
from tests.sync.test_pull import CONFIG


def _pull(sessions: sessionmaker[Session], items: list[FakeItem], full: bool = False) -> None:
    PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=FakeConnector(items)).run(
        full=full
    )


def _fresh(sessions: sessionmaker[Session]) -> ArtSnapshot:
    with sessions() as s:
        return snapshot_art(s, "Phoenix")


def _refreshed(sessions: sessionmaker[Session], previous: ArtSnapshot) -> ArtSnapshot:
    with sessions() as s:
        return refresh_art(s, previous)


def _pulled(sessions: sessionmaker[Session]) -> tuple[list[FakeItem], ArtSnapshot]:
    """Twelve items pulled into the configured store, and the ART loaded from it."""
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(12)
    _pull(sessions, items)
    return items, _fresh(sessions)


def _same(a: ArtSnapshot, b: ArtSnapshot) -> None:
    assert a.item_ids == b.item_ids
    assert {k: list(v) for k, v in a.histories.items()} == {
        k: list(v) for k, v in b.histories.items()
    }
    assert list(a.data.items) == list(b.data.items)
    assert list(a.data.changes) == list(b.data.changes)
    assert dict(a.links) == dict(b.links)
    unprimed = dataclasses.replace(a.data)  # the grouping a fresh ArtData builds itself
    assert a.data.changes_by_item == unprimed.changes_by_item
    for name in ("iterations", "pis", "links", "objectives", "teams", "milestones"):
        assert list(getattr(a.data, name)) == list(getattr(b.data, name)), name
    assert (a.data.definition, a.data.art) == (b.data.definition, b.data.art)


def test_refresh_after_every_kind_of_change_equals_a_fresh_load(
    sessions: sessionmaker[Session],
) -> None:
    items, before = _pulled(sessions)
    assert len(before.data.items) == 12
    unchanged = _refreshed(sessions, before)
    _same(unchanged, before)
    assert unchanged.data.items[0] is before.data.items[0]  # unchanged items are not re-read

    items[1].move("Done", T0 + timedelta(days=10))  # a status change with its history row
    items[4].history.pop()  # the tracker's history lost a row; the item is otherwise the same
    items[0].blocks.clear()  # a link removed
    items[6].blocks.append(items[10].key)  # a link added
    items.append(FakeItem("PHX-13", "Red", updated=T0 + timedelta(days=11)))  # a new item
    del items[7]  # gone from the tracker: soft deleted by the full reconciliation
    _pull(sessions, items, full=True)

    kept, redone = before.data.history("PHX-3"), before.data.history("PHX-2")
    after = _refreshed(sessions, before)
    _same(after, _fresh(sessions))
    assert after.data.history("PHX-3") is kept  # nothing of PHX-3 changed: its history stays
    assert after.data.history("PHX-2") is not redone
    assert after.data.history("PHX-2").category_at(T0 + timedelta(days=11)) == "done"
    facts = after.data.by_key
    assert facts["PHX-2"].status == "Done"
    assert facts["PHX-8"].deleted is True
    assert facts["PHX-13"].status == "To Do"
    assert len(after.data.changes_by_item["PHX-5"]) == len(items[4].history)
    assert ("PHX-1", "PHX-2") not in {(lk.from_key, lk.to_key) for lk in after.data.links}
    assert ("PHX-7", "PHX-11") in {(lk.from_key, lk.to_key) for lk in after.data.links}


def test_a_refresh_without_new_items_patches_the_art_in_place(
    sessions: sessionmaker[Session],
) -> None:
    items, before = _pulled(sessions)
    columns(before.data)
    kept = before.data.history("PHX-3")
    items[1].move("Done", T0 + timedelta(days=10))  # a status change with its history row
    items[4].history.pop()  # the tracker's history lost a row
    items[5].team = "Red"  # a team change (both teams configured)
    items[6].blocks.append(items[10].key)  # a link added: both ends stamped
    _pull(sessions, items, full=True)

    after = _refreshed(sessions, before)
    _same(after, _fresh(sessions))
    assert after.positions is before.positions  # no item added: every position stays
    changed = after.data.changed_since_before()
    assert changed is not None and changed == sorted(changed)
    # the re-read items' positions (PHX-7 and PHX-11 for their new link), the rest the very
    # same objects as before
    keys = {after.data.items[i].key for i in changed}
    assert keys == {"PHX-2", "PHX-5", "PHX-6", "PHX-7", "PHX-11"}
    assert all(
        (it is before.data.items[i]) == (i not in changed) for i, it in enumerate(after.data.items)
    )
    assert after.data.history("PHX-3") is kept  # nothing of PHX-3 changed: its history stays
    assert after.data.by_key["PHX-6"].team == "Red"
    unprimed = dataclasses.replace(after.data)
    assert (after.data.by_key, after.data.team_names) == (unprimed.by_key, unprimed.team_names)
    # re-read items keep their places in the index (overwritten, never deleted and re-added)
    assert list(after.data.by_key) == [it.key for it in after.data.items]
    patched, rebuilt = columns(after.data), Columns(unprimed)
    assert patched.encoded == 5
    for name in ("item", "t", "kind", "cat", "points", "next_t", "prev_cat", "first", "created"):
        assert getattr(patched, name).tolist() == getattr(rebuilt, name).tolist(), name
    assert after.links is not before.links  # PHX-7 blocks PHX-11 now
    # what is derived from the links is built again for the new links, kept for the same
    pairs = after.data.derived(_dependency_links)
    assert pairs == dataclasses.replace(after.data).derived(_dependency_links)
    assert ("PHX-7", "PHX-11") in pairs[0]

    items[2].move("Done", T0 + timedelta(days=12))  # a status change only: the links stay
    _pull(sessions, items)
    again = _refreshed(sessions, after)
    _same(again, _fresh(sessions))
    assert (again.links, again.data.links) == (after.links, after.data.links)
    assert again.links is after.links
    assert again.data.links is after.data.links
    assert again.link_ends is after.link_ends  # the link index goes along
    assert again.data.derived(_dependency_links) is pairs


def test_report_service_refreshes_a_new_version_to_the_same_figures(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(10)
    _pull(sessions, items)
    service = ReportService(sessions, CONFIG)
    first = service.data("Phoenix")
    items[2].move("Done", T0 + timedelta(days=10))
    items[3].move("In Progress", T0 + timedelta(days=10))
    _pull(sessions, items)
    refreshed = service.data("Phoenix")
    assert refreshed is not first
    assert refreshed.by_key["PHX-3"].status == "Done"
    assert refreshed.items[0] is first.items[0]  # built on the earlier snapshot
    fresh = ReportService(sessions, CONFIG).data("Phoenix")
    assert (list(refreshed.items), list(refreshed.changes)) == (
        list(fresh.items),
        list(fresh.changes),
    )


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_refresh_freezes_the_loaded_art_and_the_hourly_full_load_releases_it(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(6)
    _pull(sessions, items)
    service = ReportService(sessions, CONFIG)
    first = service.data("Phoenix")
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    items[1].move("Done", T0 + timedelta(days=10))
    _pull(sessions, items)
    try:
        refreshed = service.data("Phoenix")  # a refresh: everything alive now is frozen
        assert refreshed.by_key["PHX-4"] is first.by_key["PHX-4"]  # not re-read
        assert gc.get_freeze_count() > 0
        del cycle
        gc.collect()
        assert gone() is not None
        monkeypatch.setattr(service_module, "FULL_LOAD_EVERY", timedelta(0))
        items[2].move("Done", T0 + timedelta(days=11))
        _pull(sessions, items)
        reloaded = service.data("Phoenix")  # the periodic full load: released first
        assert reloaded.by_key["PHX-4"] is not first.by_key["PHX-4"]  # read again
        assert gone() is None
    finally:
        gc.unfreeze()


def test_a_request_during_the_first_load_refreshes_from_it_instead_of_loading_again(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    items, _ = _pulled(sessions)
    service = ReportService(sessions, CONFIG)
    started, waiting = threading.Event(), threading.Event()
    loads: list[int] = []
    full_load, await_first = service_module.snapshot_art, ReportService._await_first_load

    def slow_full_load(*args: object, **kwargs: object) -> ArtSnapshot:
        loads.append(1)
        started.set()
        assert waiting.wait(10)  # hold the first load until the second request waits for it
        return full_load(*args, **kwargs)  # type: ignore[arg-type]

    def noted(self: ReportService, first: threading.Event) -> None:
        waiting.set()
        await_first(self, first)

    monkeypatch.setattr(service_module, "snapshot_art", slow_full_load)
    monkeypatch.setattr(ReportService, "_await_first_load", noted)
    got: dict[str, ArtData] = {}
    first = threading.Thread(target=lambda: got.update(first=service.data("Phoenix")))
    first.start()
    assert started.wait(10)
    items[2].move("Done", T0 + timedelta(days=10))
    _pull(sessions, items)  # a newer version while the first load runs
    second = threading.Thread(target=lambda: got.update(second=service.data("Phoenix")))
    second.start()
    first.join(10)
    second.join(10)
    assert loads == [1]  # one full load; the second request refreshed from it
    assert got["second"].refreshed_from() is got["first"]
    assert got["second"].by_key["PHX-3"].status == "Done"
