"""Fixtures of the reliability tests: the demo's tracker credentials and a fault-free pull."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.demo import ENV
from art.db import make_engine, session_factory, upgrade
from simulators.faults import Faults
from tests.reliability.support import SCENARIO, Snapshot, assert_truth, running, snapshot


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    yield


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """SCENARIO pulled without faults into a fresh SQLite store, checked against the truth."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in ENV.items():
            mp.setenv(name, value)
        with running(Faults(), session_factory(engine)) as tracker:
            result = tracker.pull()
            assert (result.status, result.error, result.item_errors) == ("succeeded", None, [])
            snap = snapshot(tracker.sessions)
    engine.dispose()
    assert_truth(snap, SCENARIO)
    return snap
