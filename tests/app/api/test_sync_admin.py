"""POST /api/v1/sources/{name}/sync says the mode the pull runs in: `full` on a source's first
pull whatever was asked, `incremental` after it, `full` again when asked."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.config import TrainyardConfig
from art.models import Lease, SyncRun
from tests.conftest import bearer
from tests.sync import fake_connector
from tests.sync.fake_connector import make_items

CONFIG = TrainyardConfig.model_validate(
    {
        "arts": [{"name": "Phoenix", "teams": [{"name": "Blue"}, {"name": "Red"}]}],
        "sources": [{"name": "fake", "kind": "fake", "url": "http://fake", "art": "Phoenix"}],
    }
)


def test_the_answer_names_the_mode_the_pull_runs_in(store_url: str, tmp_path: Path) -> None:
    fake_connector.SHARED_TRUTH[:] = make_items(4)
    settings = Settings(database_url=store_url, data_dir=tmp_path / "data", scheduler=False)
    with TestClient(create_app(settings, CONFIG, with_worker=False)) as client:
        sessions = client.app.state.trainyard.sessions  # type: ignore[attr-defined]
        with sessions() as s, s.begin():
            admin = bearer(create_token(s, "admin", ["admin"]))

        def runs() -> list[tuple[str, str]]:
            with sessions() as s:
                rows = s.execute(select(SyncRun.mode, SyncRun.status).order_by(SyncRun.id))
                return [(mode, status) for mode, status in rows]

        def pulling() -> bool:
            """A pull started and not over: its run not yet ended or its lease still held."""
            with sessions() as s:
                held = s.get(Lease, "pull:fake") is not None
            return held or any(status == "running" for _, status in runs())

        answers = []
        for query in ("", "", "?full=true"):
            resp = client.post(f"/api/v1/sources/fake/sync{query}", headers=admin)
            assert resp.status_code == 202, resp.text
            answers.append(resp.json())
            deadline = time.monotonic() + 60
            while pulling() or len(runs()) < len(answers):
                assert time.monotonic() < deadline, runs()
                time.sleep(0.02)
        done = runs()
    assert answers == [
        {"source": "fake", "mode": "full", "status": "started"},
        {"source": "fake", "mode": "incremental", "status": "started"},
        {"source": "fake", "mode": "full", "status": "started"},
    ]
    assert done == [("full", "succeeded"), ("incremental", "succeeded"), ("full", "succeeded")]
