"""Outgoing events name things (issue 14): the ART, the PI, each item by key, display key,
URL and source, and the figures or fields after the change, never a row id of the store.

The ART is read from Jira and Azure DevOps (tests/app/api/mixed_art.py) with two
dependencies on the Azure DevOps feature 1010: Jira story BLU-1 (done on day 8) and Azure
DevOps story 1002 (its iteration PI 26.5 I1 ends on day 14, not done). Judged on day 5 and
again on day 16, the first is resolved and the second late.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.main import create_app
from app.settings import Settings
from art.config import TrainyardConfig
from art.models import OutboxEvent
from tests.app.api.mixed_art import ART, PI, ado_art, jira_art, mixed_config
from tests.conftest import bearer
from tests.golden_store import store_art
from tests.metrics.builder import at

BASE = f"/api/v1/arts/{ART}/pis/{PI}"
JIRA, ADO = "http://jira.invalid/browse/", "http://ado.invalid/org/Orion/_workitems/edit/"


@pytest.fixture
def app_config() -> TrainyardConfig:
    return mixed_config()


@pytest.fixture
def client(store_url: str, app_config: TrainyardConfig, tmp_path: Path) -> Iterator[TestClient]:
    """The app without its worker: the events are judged when the test says, not every ten
    seconds at the wall clock's time."""
    settings = Settings(database_url=store_url, data_dir=tmp_path / "data", scheduler=False)
    with TestClient(create_app(settings, app_config, with_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def app(client: TestClient, tokens: dict[str, str]) -> TestClient:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        store_art(session, jira_art().link("BLU-1", "blocks", "1010").data(), source="jira")
        store_art(session, ado_art().link("1002", "blocks", "1010").data(), source="ado")
    client.headers.update(bearer(tokens["write"]))
    return client


def events(client: TestClient, kind: str) -> list[dict[str, Any]]:
    """The ``data`` of each ``kind`` event in the outbox, oldest first."""
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session:
        rows = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == kind).order_by(OutboxEvent.id)
        ).all()
        return [row.payload["data"] for row in rows]


def watch(client: TestClient, day: int) -> int:
    watcher = client.app.state.trainyard.outgoing.watcher  # type: ignore[attr-defined]
    written: int = watcher.check(ART, at(day))
    return written


def test_a_dependency_changing_status_names_both_ends_and_says_why(app: TestClient) -> None:
    assert watch(app, 5) == 0  # the first look only keeps the snapshot
    assert watch(app, 16) == 2
    late, resolved = events(app, "dependency.status_changed")  # in edge order
    consumer = {
        "key": "1010",
        "title": "1010 title",
        "team": "Green",
        "iteration": "PI 26.5 I2",
        "art": ART,
        "status_category": "todo",
        "url": ADO + "1010",
        "display_key": "#1010",
        "source": "ado",
    }
    assert resolved == {
        "art": ART,
        "pi": PI,
        "from_status": "on_track",
        "to_status": "resolved",
        "dependency": {
            "provider": {
                "key": "BLU-1",
                "title": "BLU-1 title",
                "team": "Blue",
                "iteration": "Blue Sprint 1",
                "art": ART,
                "status_category": "done",
                "url": JIRA + "BLU-1",
                "display_key": "BLU-1",
                "source": "jira",
            },
            "consumer": consumer,
            "cross_team": True,
            "cross_art": False,
            "status": "resolved",
            "upstream": False,
            "planned_by": "2026-03-16T00:00:00+00:00",
            "needed_by": "2026-03-16T00:00:00+00:00",
            "reason": "BLU-1 (Blue) is done since 2026-03-10",
            "in_cycle": False,
        },
    }
    assert late["dependency"]["provider"] == {
        "key": "1002",
        "title": "1002 title",
        "team": "Green",
        "iteration": "PI 26.5 I1",
        "art": ART,
        "status_category": "todo",
        "url": ADO + "1002",
        "display_key": "#1002",
        "source": "ado",
    }
    assert (late["from_status"], late["to_status"]) == ("on_track", "late")
    assert late["dependency"]["consumer"] == consumer
    assert late["dependency"]["reason"] == (
        "#1002 (Green) was planned to finish with PI 26.5 I1 on 2026-03-15 and is not done"
    )


def test_predictability_changing_names_the_art_and_pi_with_the_figures_after(
    app: TestClient,
) -> None:
    watch(app, 5)
    body = {"team": "Blue", "text": "Ship it", "planned_bv": 5, "actual_bv": 4}
    assert app.post(f"{BASE}/objectives", json=body).status_code == 201
    watch(app, 6)
    assert events(app, "predictability.changed") == [
        {
            "art": ART,
            "pi": PI,
            "before": {
                "predictability_pct": None,
                "band": None,
                "complete": False,
                "projected_pct": None,
                "projected_pct_85": None,
                "chance_in_band_pct": None,
            },
            "after": {
                "predictability_pct": 80.0,
                "band": "within",
                "complete": True,
                "projected_pct": 80.0,
                "projected_pct_85": 80.0,
                "chance_in_band_pct": 100.0,
            },
        }
    ]


def test_objective_events_name_the_art_pi_team_and_items(app: TestClient) -> None:
    body = {
        "team": "Blue",
        "text": "Ship search",
        "planned_bv": 5,
        "items": ["BLU-1", "1001", "NOPE-9"],
    }
    made = app.post(f"{BASE}/objectives", json=body).json()
    app.patch(f"{BASE}/objectives/{made['id']}", json={"actual_bv": 4})
    assert app.delete(f"{BASE}/objectives/{made['id']}").status_code == 204
    created, updated, deleted = events(app, "objective.changed")
    items = [
        {"key": "BLU-1", "url": JIRA + "BLU-1", "display_key": "BLU-1", "source": "jira"},
        {"key": "1001", "url": ADO + "1001", "display_key": "#1001", "source": "ado"},
        {"key": "NOPE-9", "url": None, "display_key": "NOPE-9", "source": None},
    ]
    objective = {
        "id": made["id"],
        "pi": PI,
        "team": "Blue",
        "text": "Ship search",
        "committed": True,
        "planned_bv": 5,
        "actual_bv": None,
        "items": ["BLU-1", "1001", "NOPE-9"],
        "origin": "api",
        "source": None,
        "key": None,
        "updated_at": made["updated_at"],
    }
    assert created == {
        "change": "created",
        "art": ART,
        "pi": PI,
        "objective": objective,
        "items": items,
    }
    assert updated["objective"] == {
        **objective,
        "actual_bv": 4,
        "updated_at": updated["objective"]["updated_at"],
    }
    assert (updated["change"], updated["items"]) == ("updated", items)
    # a deletion carries the objective as it was, not only its id
    assert deleted == {**updated, "change": "deleted"}


def test_risk_events_name_the_art_pi_and_team(app: TestClient) -> None:
    made = app.post(f"{BASE}/risks", json={"text": "Vendor late", "team": "Green"}).json()
    app.patch(f"{BASE}/risks/{made['id']}", json={"roam": "owned", "owner": "Ada"})
    app.delete(f"{BASE}/risks/{made['id']}")
    created, updated, deleted = events(app, "risk.changed")
    risk = {
        "id": made["id"],
        "pi": PI,
        "team": "Green",
        "text": "Vendor late",
        "owner": None,
        "roam": "unroamed",
        "origin": "api",
        "source": None,
        "key": None,
        "updated_at": made["updated_at"],
    }
    assert created == {"change": "created", "art": ART, "pi": PI, "risk": risk}
    owned = {**risk, "owner": "Ada", "roam": "owned"}
    assert updated == {
        "change": "updated",
        "art": ART,
        "pi": PI,
        "risk": {**owned, "updated_at": updated["risk"]["updated_at"]},
    }
    assert deleted == {**updated, "change": "deleted"}


@pytest.mark.parametrize(
    ("day", "reasons"),
    [
        (
            5,
            [
                "#1002 (Green) is planned to finish with PI 26.5 I1 on 2026-03-15, in time for "
                "#1010 (Green), which needs it at the start of PI 26.5 I2 on 2026-03-16",
                "BLU-1 (Blue) is planned to finish with Blue Sprint 1 on 2026-03-15, in time for "
                "#1010 (Green), which needs it at the start of PI 26.5 I2 on 2026-03-16",
            ],
        ),
        (
            16,
            [
                "#1002 (Green) was planned to finish with PI 26.5 I1 on 2026-03-15 and is not done",
                "BLU-1 (Blue) is done since 2026-03-10",
            ],
        ),
    ],
)
def test_a_dependency_reason_names_items_as_their_tracker_shows_them(
    app: TestClient, day: int, reasons: list[str]
) -> None:
    """Azure DevOps ids by their display key (#1002), Jira keys as they are."""
    resp = app.get(f"{BASE}/dependencies", params={"as_of": at(day).isoformat()})
    assert sorted(d["reason"] for d in resp.json()["data"]) == reasons
