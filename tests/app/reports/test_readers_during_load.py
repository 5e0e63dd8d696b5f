"""A slow load of a new data version holds up only the request that started it: readers
meanwhile get the version before, and the new one once it is loaded."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.reports import service as service_module
from app.reports.service import ReportService
from sync.structure import apply_config
from tests.app.reports.test_loader_refresh import _pull
from tests.sync.fake_connector import T0, FakeItem, make_items
from tests.sync.test_pull import CONFIG


def test_readers_get_the_loaded_version_while_the_next_one_loads(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
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
    art_id, newer = service.version("Phoenix")
    assert newer > first[1]
    # A lone reader is never served an older version: nobody else is loading the new one.
    assert service.readable_version("Phoenix") == (art_id, newer)

    started, release = threading.Event(), threading.Event()
    real_refresh = service_module.refresh_art

    def slow_refresh(*args: Any, **kwargs: Any) -> Any:
        started.set()
        assert release.wait(30)
        return real_refresh(*args, **kwargs)

    monkeypatch.setattr(service_module, "refresh_art", slow_refresh)
    loader = threading.Thread(target=service.data, args=("Phoenix",))
    loader.start()
    try:
        assert started.wait(30)
        assert service.readable_version("Phoenix") == first
        assert len(service.data("Phoenix", first).items) == 12  # answered without waiting
    finally:
        release.set()
        loader.join(30)
    assert service.readable_version("Phoenix") == (art_id, newer)
    assert len(service.data("Phoenix", (art_id, newer)).items) == 13
