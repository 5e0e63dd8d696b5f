"""Fixtures of the API tests: an app whose store holds a pulled ART."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sync.runner import PullRunner
from sync.structure import apply_config
from tests.sync.fake_connector import FakeConnector, FakeItem, make_items
from tests.sync.test_pull import CONFIG


@pytest.fixture
def loaded(client: TestClient) -> tuple[TestClient, list[FakeItem]]:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        apply_config(s, CONFIG)
    items = make_items(8)
    PullRunner(state.sessions, CONFIG, CONFIG.source("fake"), FakeConnector(items)).run()
    return client, items
