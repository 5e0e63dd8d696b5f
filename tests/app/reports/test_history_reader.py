"""A large ART's history read by a helper process loads the same ART as the service's own
read; a helper that fails leaves the service to read it, and says so."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.reports import loader
from app.reports.history_reader import (
    CODE_BITS,
    Database,
    HelperFailed,
    HelperRead,
    history_columns,
)
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


def _packed(owner: int, field: int, from_cat: int, to_cat: int) -> int:
    shift = 1 << CODE_BITS
    return ((owner * shift + field) * shift + from_cat + 1) * shift + to_cat + 1


def _micros(day: int, hour: int, micro: int) -> int:
    return int(datetime(2026, 3, day, hour, tzinfo=UTC).timestamp()) * 1_000_000 + micro


HISTORY_ROWS = [
    (_packed(7, 0, 0, 1), "2026-03-01 09:00:00.000000", None, "To Do", 0),
    (_packed(7, 0, 1, 2), "2026-03-02 09:00:00.250000", "To Do", "Doing", 1),
    (_packed(8, 1, -1, -1), "2026-03-03 10:00:00.000000", None, "S-1", 0),
    (_packed(8, 1, -1, -1), "2026-03-04 10:00:00.000000", "S-1", "S-2", 1),
    (_packed(9, 0, 2, 3), "2026-03-05 11:00:00.000001", "Doing", "Done", 2),
]


@pytest.mark.parametrize("cut", [5, 2, 1], ids=["one block", "two blocks", "five blocks"])
def test_history_columns_read_block_by_block_as_in_one(cut: int) -> None:
    """Each block becomes arrays as it comes; the values are still numbered in order of
    first appearance, every ``from`` before any ``to`` ("Doing", first a ``to`` in the first
    block, is numbered among the ``from`` values of the last)."""
    blocks = [HISTORY_ROWS[i : i + cut] for i in range(0, len(HISTORY_ROWS), cut)]
    cols = history_columns(iter(blocks))
    assert cols.values == ["To Do", "S-1", "Doing", "S-2", "Done"]
    assert cols.from_code.tolist() == [-1, 0, -1, 1, 2]
    assert cols.to_code.tolist() == [0, 2, 1, 3, 4]
    assert cols.owner.tolist() == [7, 7, 8, 8, 9]
    assert cols.field.tolist() == [0, 0, 1, 1, 0]
    assert cols.from_cat.tolist() == [0, 1, -1, -1, 2]
    assert cols.to_cat.tolist() == [1, 2, -1, -1, 3]
    assert cols.seq.tolist() == [0, 1, 0, 1, 2]
    assert cols.t.tolist() == [
        _micros(1, 9, 0),
        _micros(2, 9, 250_000),
        _micros(3, 10, 0),
        _micros(4, 10, 0),
        _micros(5, 11, 1),
    ]
    assert [a.dtype for a in (cols.owner, cols.t, cols.field, cols.from_code)] == [
        np.int64,
        np.int64,
        np.int8,
        np.int32,
    ]


def test_history_columns_of_no_rows_are_empty() -> None:
    cols = history_columns(iter([]))
    assert (cols.owner.size, cols.t.size, cols.from_code.size, cols.values) == (0, 0, 0, [])
    assert (cols.t.dtype, cols.from_code.dtype, cols.field.dtype) == (np.int64, np.int32, np.int8)
