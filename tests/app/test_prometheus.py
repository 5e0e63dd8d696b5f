"""Prometheus metrics read from the store."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sync.runner import PullRunner
from sync.structure import apply_config
from tests.sync.fake_connector import FakeConnector, make_items
from tests.sync.test_pull import CONFIG


def test_metrics_report_items_runs_and_inbox(client: TestClient) -> None:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        apply_config(s, CONFIG)
    PullRunner(state.sessions, CONFIG, CONFIG.source("fake"), FakeConnector(make_items(5))).run()
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    lines = set(resp.text.splitlines())
    assert 'trainyard_items{art="Phoenix"} 5.0' in lines
    assert 'trainyard_sync_runs{source="fake",status="succeeded"} 1.0' in lines
    assert "trainyard_webhook_inbox_pending 0.0" in lines
    assert "trainyard_webhook_lag_seconds 0.0" in lines
