"""item_daily equals the API on the built-in demo too: both tracker simulators pulled for
real, the reporting tables refreshed at the pinned day, and the CFD, flow load and burn-up
summed in SQL equal /cfd, /wip and /burnup; dependencies and predictability likewise."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from app.demo import start_demo
from app.main import create_app
from app.reporting.refresh import refresh_art
from app.settings import Settings
from app.tokens import issue_token
from art.store.reporting import DependencyRow
from sync.runner import PullRunner
from tests.app.reporting.flow_sql import check_burnup, check_flow, view
from tests.app.test_demo import AS_OF, TODAY
from tests.conftest import bearer

ART = "Orion"


@dataclass
class Demo:
    get: Any
    engine: Engine
    teams: list[str]
    pis: list[str]
    tz: ZoneInfo


@pytest.fixture
def demo(store_url: str, tmp_path: Path) -> Iterator[Demo]:
    settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp_path)
    running = start_demo(settings.demo_items, today=TODAY)
    try:
        config = running.config
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            for source in config.sources:
                PullRunner(state.sessions, config, source).run()
            with state.sessions() as session, session.begin():
                token = issue_token(session, "bi-test", ["read"], now=datetime.now(UTC)).secret
            done = refresh_art(state.reports, ART, datetime.fromisoformat(AS_OF))
            assert done is not None and done.full and done.items > 1000

            def get(path: str, **params: Any) -> dict[str, Any]:
                resp = client.get(
                    f"/api/v1/arts/{ART}{path}",
                    params={"as_of": AS_OF, **params},
                    headers=bearer(token),
                )
                assert resp.status_code == 200, (path, resp.text)
                body: dict[str, Any] = resp.json()
                return body

            art = config.arts[0]
            with state.engine.connect() as conn:  # the demo's PIs come from its trackers
                pis = conn.scalars(
                    text(f"SELECT name FROM {view(state.engine, 'pis')} WHERE art = :a"), {"a": ART}
                ).all()
            tz = ZoneInfo(art.timezone)
            yield Demo(get, state.engine, [t.name for t in art.teams], list(pis), tz)
    finally:
        running.stop()


def test_the_demos_flow_and_burnup_from_item_daily_equal_the_api(demo: Demo) -> None:
    today = datetime.fromisoformat(AS_OF).astimezone(demo.tz).date()
    window = (today - timedelta(days=120), today)
    teams: list[str | None] = [None, *demo.teams]
    compared = check_flow(demo.get, demo.engine, ART, today, window, teams, ["story", "feature"])
    assert compared == 120 * 2 * len(teams)
    # four PIs' days up to as_of, for the ART and one team, by points and by count
    assert check_burnup(demo.get, demo.engine, ART, today, demo.pis, [None, demo.teams[0]]) == 708
    with demo.engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(DependencyRow.__table__))
    listed = sum(len(demo.get(f"/pis/{pi}/dependencies")["data"]) for pi in demo.pis)
    assert stored == listed > 0
