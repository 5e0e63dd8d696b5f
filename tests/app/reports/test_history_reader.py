"""A large ART's history read by a helper process loads the same ART as the service's own
read; a helper that fails leaves the service to read it, and says so."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.reports import loader
from app.reports.history_reader import Database, HelperFailed, HelperRead
from app.reports.loader import ArtSnapshot, snapshot_art
from art.db import make_engine, session_factory
from metrics.inputs import ArtData
from tests.golden_store import store_art
from tests.metrics.golden_inputs import golden, scenario_data

SCENARIO, _ = golden()


@pytest.fixture
def stored(sessions: sessionmaker[Session]) -> ArtData:
    data = scenario_data(SCENARIO)
    with sessions() as session, session.begin():
        store_art(session, data)
    return data


def _snapshot(sessions: sessionmaker[Session], data: ArtData) -> ArtSnapshot:
    with sessions() as session:
        return snapshot_art(session, SCENARIO.art, definition=data.definition)


def _same(a: ArtSnapshot, b: ArtSnapshot) -> None:
    assert list(a.data.items) == list(b.data.items)
    assert {i: a.histories[i] for i in a.histories} == {i: b.histories[i] for i in b.histories}
    assert list(a.data.links) == list(b.data.links)
    assert a.version == b.version


def test_a_helper_reads_the_history_as_the_service_does(
    sessions: sessionmaker[Session],
    stored: ArtData,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own = _snapshot(sessions, stored)  # (a small ART: read by the service itself)
    started: list[Database] = []

    def helper(database: Database, sql: str) -> HelperRead:
        started.append(database)
        return HelperRead(database, sql)

    monkeypatch.setattr(loader, "HELPER_ABOVE_ITEMS", 0)
    monkeypatch.setattr(loader, "HelperRead", helper)
    with caplog.at_level(logging.WARNING, logger="app.reports.loader"):
        helped = _snapshot(sessions, stored)
    backend = sessions.kw["bind"].dialect.name
    assert [d.kind for d in started] == [backend]
    assert caplog.records == []  # its columns were taken, not read again here
    _same(helped, own)
    assert sum(len(h) for h in helped.histories.values()) == len(stored.changes)


def test_a_failed_helper_leaves_the_read_to_the_service(
    sessions: sessionmaker[Session],
    stored: ArtData,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    own = _snapshot(sessions, stored)

    def broken(database: Database, sql: str) -> HelperRead:
        return HelperRead(Database(database.kind, "/no/such/store.db"), sql)

    monkeypatch.setattr(loader, "HELPER_ABOVE_ITEMS", 0)
    monkeypatch.setattr(loader, "HelperRead", broken)
    with caplog.at_level(logging.WARNING, logger="app.reports.loader"):
        helped = _snapshot(sessions, stored)
    _same(helped, own)
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(
        f"ART {SCENARIO.art!r}: its history is read in the service (the helper process "
        "failed: exit status 1: "
    )


def test_a_helper_names_what_it_could_not_read() -> None:
    helper = HelperRead(Database("sqlite", "/no/such/store.db"), "select 1")
    with pytest.raises(HelperFailed) as failed:
        helper.result()
    assert str(failed.value) == (
        "exit status 1: sqlite3.OperationalError: unable to open database file"
    )


def test_an_in_memory_store_has_no_helper() -> None:
    engine: Any = make_engine("sqlite://")
    with session_factory(engine)() as session:
        assert loader._helper_database(session) is None
