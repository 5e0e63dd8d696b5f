"""A slow load of a new data version, or a slow report over it, holds up only the request that
started it: readers meanwhile get the version (or the report body) before, and the new one
once it is ready."""

from __future__ import annotations

import threading
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
from tests.app.reports.test_loader_refresh import _pull
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


def test_readers_get_the_loaded_version_while_the_next_one_loads(
    two_versions: tuple[ReportService, tuple[int, int], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, first, newer = two_versions
    art_id = first[0]
    # A lone reader is never served an older version: nobody else is loading the new one.
    assert service.readable_version("Phoenix") == (art_id, newer)

    started, release = threading.Event(), threading.Event()
    real_refresh = service_module.refresh_art

    def slow_refresh(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(30)
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(service_module, "refresh_art", slow_refresh)
    loading = ReportContext("Phoenix", AS_OF, service, known=(art_id, newer))
    loader = threading.Thread(target=lambda: loading.data)
    loader.start()
    try:
        assert started.wait(30)
        assert service.readable_version("Phoenix") == first
        reader = ReportContext("Phoenix", AS_OF, service, known=first)
        data: ArtData = _in_thread(lambda: reader.data)  # not held up by the loading request
        assert len(data.items) == 12
    finally:
        release.set()
        loader.join(30)
    assert service.readable_version("Phoenix") == (art_id, newer)
    assert len(service.data("Phoenix", (art_id, newer)).items) == 13


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

    computing = threading.Thread(
        target=service.report, args=("Phoenix", "count", (), slow_count, (art_id, newer))
    )
    computing.start()
    try:
        assert started.wait(30)
        answer = _in_thread(
            lambda: service.report("Phoenix", "count", (), count_items, (art_id, newer))
        )
        assert answer == {"items": 12}  # the body before, not a wait for the new one
    finally:
        release.set()
        computing.join(30)
    assert service.report("Phoenix", "count", (), count_items, (art_id, newer)) == {"items": 13}
    # A lone reader of a report nobody computes waits for its own computation.
    assert service.report("Phoenix", "other", (), count_items, (art_id, newer)) == {"items": 13}
