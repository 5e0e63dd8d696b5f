"""A slow load of a new data version, or a slow report over it, holds up only the request that
started it: readers meanwhile get the version (or the report body) before, and the new one
once it is ready."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.reports import service as service_module
from app.reports.context import ReportContext
from app.reports.service import ReportService
from metrics.inputs import ArtData
from sync.structure import apply_config
from tests.app.reports.test_loader_refresh import _pull, _pulled
from tests.sync.fake_connector import T0, FakeItem, make_items
from tests.sync.test_pull import CONFIG

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def _in_thread(call: Callable[[], Any]) -> Any:
    """``call``'s answer, or a failure (not a hung test) when it is held up for 20 s."""
    answers: list[Any] = []
    worker = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    worker.start()
    worker.join(20)
    assert answers, "the reader was held up by the other request"
    return answers[0]


@pytest.fixture
def two_versions(sessions: sessionmaker[Session]) -> tuple[ReportService, tuple[int, int], int]:
    """A service that has loaded the ART's first version; the store has a second one."""
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(12)
    _pull(sessions, items)
    service = ReportService(sessions, CONFIG)
    first = service.readable_version("Phoenix")
    assert first == service.version("Phoenix")  # nothing loaded yet: the store's version
    assert len(service.data("Phoenix", first).items) == 12
    items.append(FakeItem("PHX-13", "Red", updated=T0 + timedelta(days=11)))
    _pull(sessions, items)
    _, newer = service.version("Phoenix")
    assert newer > first[1]
    return service, first, newer


class SlowRefresh:
    """refresh_art held until ``release`` is set; ``started`` once it is called."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> None:
        self.started, self.release, self.fail = threading.Event(), threading.Event(), fail
        self.real = service_module.refresh_art
        monkeypatch.setattr(service_module, "refresh_art", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.started.set()
        assert self.release.wait(30)
        if self.fail:
            raise RuntimeError("the store went away")
        return self.real(*args, **kwargs)


def test_a_lone_reader_of_a_small_art_waits_for_the_new_version(
    two_versions: tuple[ReportService, tuple[int, int], int],
) -> None:
    service, first, newer = two_versions
    assert service.readable_version("Phoenix") == (first[0], newer)
    assert len(service.data("Phoenix", (first[0], newer)).items) == 13


def test_readers_get_the_loaded_version_while_the_next_one_loads(
    two_versions: tuple[ReportService, tuple[int, int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, newer = two_versions
    art_id = first[0]
    service.fresh_wait = 0.05
    slow = SlowRefresh(monkeypatch)
    answers: list[tuple[int, int]] = []
    # the reader who notices the new version of a small ART waits for its load
    noticing = threading.Thread(target=lambda: answers.append(service.readable_version("Phoenix")))
    noticing.start()
    try:
        assert slow.started.wait(30)
        # one who comes while it loads waits at most fresh_wait, then reads the version before
        assert _in_thread(lambda: service.readable_version("Phoenix")) == first
        reader = ReportContext("Phoenix", AS_OF, service, known=first)
        data: ArtData = _in_thread(lambda: reader.data)  # not held up by the load
        assert len(data.items) == 12
    finally:
        slow.release.set()
        noticing.join(30)
    assert answers == [(art_id, newer)]
    assert service.readable_version("Phoenix") == (art_id, newer)
    assert len(service.data("Phoenix", (art_id, newer)).items) == 13


def test_on_a_large_art_even_the_reader_who_notices_a_new_version_waits_only_so_long(
    two_versions: tuple[ReportService, tuple[int, int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, newer = two_versions
    art_id = first[0]
    service.fresh_wait, service.patient_below = 0.05, 0  # every ART counts as large
    slow = SlowRefresh(monkeypatch)
    assert _in_thread(lambda: service.readable_version("Phoenix")) == first
    assert slow.started.wait(30)
    assert _in_thread(lambda: service.readable_version("Phoenix")) == first  # no second load
    slow.release.set()
    # the load goes on in the background; asking for its version waits for that same load
    assert len(service.data("Phoenix", (art_id, newer)).items) == 13
    assert service.readable_version("Phoenix") == (art_id, newer)


def test_on_a_large_art_refreshes_begin_at_most_every_refresh_gap(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    items, _ = _pulled(sessions)
    service = ReportService(sessions, CONFIG, patient_below=0, refresh_gap=3600)
    art_id, first = service.readable_version("Phoenix")  # nothing loaded: the store's
    service.data("Phoenix", (art_id, first))

    def new_version(key: str, day: int) -> int:
        items.append(FakeItem(key, "Red", updated=T0 + timedelta(days=day)))
        _pull(sessions, items)
        return service.version("Phoenix")[1]

    second = new_version("PHX-13", 11)
    # the first refresh readers begin is due; the reader who began it waits for it a while
    service.readable_version("Phoenix")
    assert len(service.data("Phoenix", (art_id, second)).items) == 13  # (that same load)
    assert service.readable_version("Phoenix") == (art_id, second)
    third = new_version("PHX-14", 12)
    # within the gap, readers are served the loaded version, no refresh begins, and the
    # store is not asked for its version
    asked: list[str] = []
    store_version = service.version
    monkeypatch.setattr(service, "version", lambda art: asked.append(art) or store_version(art))
    assert service.readable_version("Phoenix") == (art_id, second)
    assert service._background.running(("art", art_id)) is None
    assert service.readable_version("Phoenix") == (art_id, second)
    assert asked == []
    # once the gap has passed, the next reader asks, and begins the refresh to the store's
    service.refresh_gap = 0
    service.readable_version("Phoenix")
    assert asked == ["Phoenix"]
    assert len(service.data("Phoenix", (art_id, third)).items) == 14
    assert service.readable_version("Phoenix") == (art_id, third)


def test_a_failed_background_load_leaves_the_next_reader_to_load_and_be_told(
    two_versions: tuple[ReportService, tuple[int, int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, newer = two_versions
    service.fresh_wait, service.patient_below = 0.05, 0
    slow = SlowRefresh(monkeypatch, fail=True)
    assert service.readable_version("Phoenix") == first
    slow.release.set()
    with pytest.raises(RuntimeError, match="the store went away"):
        service.data("Phoenix", (first[0], newer))
    # the failed load is not retried for the readers who were served the version before
    # until one asks again: then, the load having failed, that reader loads it itself
    assert service.readable_version("Phoenix") == (first[0], newer)
    with pytest.raises(RuntimeError, match="the store went away"):
        service.data("Phoenix", (first[0], newer))


def test_readers_get_the_report_before_while_another_request_computes_the_new_one(
    two_versions: tuple[ReportService, tuple[int, int], int],
) -> None:
    service, first, newer = two_versions
    art_id = first[0]

    def count_items(data: ArtData) -> dict[str, Any]:
        return {"items": len(data.items)}

    assert service.report("Phoenix", "count", (), count_items, known=first) == {"items": 12}
    service.data("Phoenix", (art_id, newer))  # the new version is loaded; its report is not

    started, release = threading.Event(), threading.Event()

    def slow_count(data: ArtData) -> dict[str, Any]:
        started.set()
        assert release.wait(30)
        return count_items(data)

    new = (art_id, newer)
    computing = threading.Thread(
        target=lambda: service.report("Phoenix", "count", (), slow_count, new, stand_in=())
    )
    computing.start()
    try:
        assert started.wait(30)
        answer = _in_thread(
            lambda: service.report("Phoenix", "count", (), count_items, new, stand_in=())
        )
        assert answer == {"items": 12}  # the body before, not a wait for the new one
        # a caller that gives no stand-in (the event watcher, a digest) waits for its own
        waiting: list[dict[str, Any]] = []
        watcher = threading.Thread(
            target=lambda: waiting.append(service.report("Phoenix", "count", (), count_items, new))
        )
        watcher.start()
        watcher.join(0.2)
        assert waiting == []
    finally:
        release.set()
        computing.join(30)
        watcher.join(30)
    assert waiting == [{"items": 13}]
    assert service.report("Phoenix", "count", (), count_items, (art_id, newer)) == {"items": 13}
    # A lone reader of a report nobody computes waits for its own computation.
    assert service.report("Phoenix", "other", (), count_items, (art_id, newer)) == {"items": 13}


def test_on_a_large_art_the_reader_of_a_slow_new_report_gets_the_one_before(
    two_versions: tuple[ReportService, tuple[int, int], int],
) -> None:
    service, first, newer = two_versions
    art_id = first[0]
    service.fresh_wait, service.patient_below = 0.05, 0
    calls: list[int] = []
    release = threading.Event()

    def slow_count(data: ArtData) -> dict[str, Any]:
        calls.append(len(data.items))
        assert release.wait(30)
        return {"items": len(data.items)}

    assert service.report(
        "Phoenix", "count", (), lambda d: {"items": len(d.items)}, known=first
    ) == {"items": 12}
    service.data("Phoenix", (art_id, newer))
    new = (art_id, newer)

    def read() -> dict[str, Any]:
        return service.report("Phoenix", "count", (), slow_count, new, stand_in=())

    assert _in_thread(read) == {"items": 12}
    assert _in_thread(read) == {"items": 12}
    release.set()
    task = service._background.running(("body", ("Phoenix", newer, "count", ())))
    if task is not None:
        task.future.result(30)
    assert service.report("Phoenix", "count", (), slow_count, new) == {"items": 13}
    assert calls == [13]  # computed once, in the background, for both readers


def test_a_body_of_other_parameters_stands_in_only_where_the_caller_says_so(
    two_versions: tuple[ReportService, tuple[int, int], int],
) -> None:
    service, first, _ = two_versions
    service.fresh_wait, service.patient_below = 0.05, 0
    release = threading.Event()

    def slow(data: ArtData) -> dict[str, Any]:
        assert release.wait(30)
        return {"minute": 2}

    old = service.report(
        "Phoenix", "count", ("04:01",), lambda _: {"minute": 1}, first, stand_in="now"
    )
    assert old == {"minute": 1}
    try:
        # the next minute's body (same version) is slow: the minute before stands in
        got = _in_thread(
            lambda: service.report("Phoenix", "count", ("04:02",), slow, first, stand_in="now")
        )
        assert got == {"minute": 1}
        # an as_of asked for names its own stand-in key: nothing else answers for it, so its
        # reader waits for its own body however long that takes
        answers: list[dict[str, Any]] = []
        asked = threading.Thread(
            target=lambda: answers.append(
                service.report("Phoenix", "count", ("03:00",), slow, first, stand_in="03:00")
            )
        )
        asked.start()
        asked.join(0.3)  # six times fresh_wait: a stand-in would have answered by now
        assert answers == []
        release.set()
        asked.join(30)
        assert answers == [{"minute": 2}]
    finally:
        release.set()


def test_a_report_body_is_computed_with_the_collector_paused(
    two_versions: tuple[ReportService, tuple[int, int], int],
) -> None:
    service, first, _ = two_versions
    was = gc.isenabled()
    gc.enable()
    try:
        seen: list[bool] = []

        def body(data: ArtData) -> dict[str, Any]:
            seen.append(gc.isenabled())
            return {"items": len(data.items)}

        got = service.report("Phoenix", "count", (), body, first, linked=True)
        assert got == {"items": 12}
        assert seen == [False]
        assert gc.isenabled() is True
    finally:
        (gc.enable if was else gc.disable)()


def test_a_load_builds_the_links_by_item_the_next_refresh_reads(
    two_versions: tuple[ReportService, tuple[int, int], int],
) -> None:
    service, first, _ = two_versions
    snapshot = service._latest[first[0]].snapshot
    assert "link_ends" in snapshot.__dict__  # built with the load, not by the first refresh


def test_a_busy_service_keeps_two_versions_of_an_art(
    two_versions: tuple[ReportService, tuple[int, int], int],
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service, first, newer = two_versions
    oldest = weakref.ref(service.data("Phoenix", first))
    service.data("Phoenix", (first[0], newer))
    items = [
        *make_items(12),
        FakeItem("PHX-13", "Red", updated=T0 + timedelta(days=11)),
        FakeItem("PHX-14", "Red", updated=T0 + timedelta(days=12)),
    ]
    _pull(sessions, items)
    third = service.version("Phoenix")
    assert third[1] > newer
    assert len(service.data("Phoenix", third).items) == 14
    gc.collect()
    assert oldest() is None  # the newest and the one before are kept, not every version

    def no_load(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a superseded version was loaded again")

    monkeypatch.setattr(service_module, "snapshot_art", no_load)
    monkeypatch.setattr(service_module, "refresh_art", no_load)
    # a report computed late for the first version: the newest loaded stands for it
    assert len(service.data("Phoenix", first).items) == 14
    assert len(service.data("Phoenix", (first[0], newer)).items) == 13  # still kept


def test_a_new_version_is_frozen_before_the_collector_runs_again(
    two_versions: tuple[ReportService, tuple[int, int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, newer = two_versions
    enabled_at_freeze: list[bool] = []
    real = service_module.freeze_loaded

    def freeze() -> None:
        enabled_at_freeze.append(gc.isenabled())
        real()

    monkeypatch.setattr(service_module, "freeze_loaded", freeze)
    was = gc.isenabled()
    gc.enable()
    try:
        assert len(service.data("Phoenix", (first[0], newer)).items) == 13
        # frozen while paused: the first collection after would traverse its new indexes
        assert enabled_at_freeze == [False]
        assert gc.isenabled() is True
    finally:
        (gc.enable if was else gc.disable)()
