"""The golden ART (tests/fixtures/golden) in the store behind the app, on SQLite and PostgreSQL.

``app_config`` is overridden so the app knows the golden ART's teams, PIs and status mapping,
as a real deployment's trainyard.toml would; the rows are then written by the shared store
writer (tests/golden_store.py), and every report is asked at the golden as_of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.reports.service import ReportService
from art.config import TrainyardConfig
from tests.conftest import bearer
from tests.golden_store import store_art
from tests.metrics.golden_inputs import golden, scenario_data

SCENARIO, EXPECTED = golden()
assert SCENARIO.as_of is not None and SCENARIO.window is not None and SCENARIO.report_pi
AS_OF = SCENARIO.as_of.isoformat()
WINDOW: dict[str, Any] = {
    "from": SCENARIO.window[0].isoformat(),
    "to": SCENARIO.window[1].isoformat(),
}
REPORT_PI = SCENARIO.report_pi
ART = SCENARIO.art


def golden_config() -> TrainyardConfig:
    """The golden ART as a configuration file would declare it."""
    return TrainyardConfig.model_validate(
        {
            "arts": [
                {
                    "name": ART,
                    "timezone": SCENARIO.timezone,
                    "teams": [{"name": t} for t in SCENARIO.teams],
                    "pis": [{"name": p.name, "start": p.start, "end": p.end} for p in SCENARIO.pis],
                }
            ],
            "sources": [
                {
                    "name": "golden",
                    "kind": "jira",
                    "url": "http://tracker.invalid",
                    "art": ART,
                    "statuses": SCENARIO.statuses,
                }
            ],
        }
    )


@pytest.fixture
def app_config() -> TrainyardConfig:
    """The golden ART's configuration, for the app under test."""
    return golden_config()


@dataclass
class Api:
    """The app with the golden ART stored, asked as a read-scoped client."""

    client: TestClient
    tokens: dict[str, str]

    def get(
        self, path: str, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        """GET ``/api/v1/arts/<golden ART><path>`` at the golden as_of unless given."""
        params.setdefault("as_of", AS_OF)
        params = {k: v for k, v in params.items() if v is not None}
        resp: httpx.Response = self.client.get(
            f"/api/v1/arts/{ART}{path}",
            params=params,
            headers={**bearer(self.tokens["read"]), **(headers or {})},
        )
        return resp

    @property
    def reports(self) -> ReportService:
        service: ReportService = self.client.app.state.trainyard.reports  # type: ignore[attr-defined]
        return service


@pytest.fixture
def api(client: TestClient, tokens: dict[str, str]) -> Api:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        store_art(session, scenario_data(SCENARIO))
    return Api(client, tokens)
