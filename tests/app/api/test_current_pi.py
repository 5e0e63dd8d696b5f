"""The current PI (issue 14): `current: true` on the PI containing today in the ART's time zone,
and `current` accepted wherever a PI name is, on SQLite and PostgreSQL.

The structure and planning routes read today from the clock (the PIs are laid around it); the
reports read it from as_of, in the ART's time zone: Kiritimati is 14 hours ahead of UTC, so
2026-03-15T12:00Z is already the 16th there, the first day of PI 26.2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from art.config import TrainyardConfig
from art.models import PI
from tests.conftest import bearer

TZ = "Pacific/Kiritimati"
TODAY = datetime.now(ZoneInfo(TZ)).date()
LAST, NOW, NEXT = "PI Last", "PI Now", "PI Next"
SPANS = {
    LAST: (TODAY - timedelta(days=70), TODAY - timedelta(days=1)),
    NOW: (TODAY, TODAY + timedelta(days=69)),
    NEXT: (TODAY + timedelta(days=70), TODAY + timedelta(days=139)),
}
# as_of of the reports: the 15th in UTC, the 16th in the ART's zone
REPORT_PIS = {"PI 26.1": ("2026-01-05", "2026-03-15"), "PI 26.2": ("2026-03-16", "2026-05-24")}
AS_OF = "2026-03-15T12:00:00+00:00"
GAP_AS_OF = "2026-06-01T12:00:00+00:00"  # after every report PI


@pytest.fixture
def app_config() -> TrainyardConfig:
    pis = {**{n: (str(s), str(e)) for n, (s, e) in SPANS.items()}, **REPORT_PIS}
    return TrainyardConfig.model_validate(
        {
            "arts": [
                {
                    "name": "Phoenix",
                    "timezone": TZ,
                    "teams": [{"name": "Blue"}],
                    "pis": [{"name": n, "start": s, "end": e} for n, (s, e) in pis.items()],
                }
            ]
        }
    )


@pytest.fixture
def api(client: TestClient, tokens: dict[str, str]) -> TestClient:
    client.headers.update(bearer(tokens["write"]))
    return client


def _get(api: TestClient, path: str, status: int = 200, **params: Any) -> Any:
    resp = api.get(f"/api/v1/arts/Phoenix{path}", params=params)
    assert resp.status_code == status, resp.text
    return resp.json()


def test_the_pi_list_marks_the_pi_containing_today(api: TestClient) -> None:
    data = _get(api, "/pis")["data"]
    assert [(p["name"], p["current"]) for p in data] == [
        ("PI 26.1", False),
        ("PI 26.2", False),
        (LAST, False),
        (NOW, True),
        (NEXT, False),
    ]
    csv = api.get("/api/v1/arts/Phoenix/pis", params={"format": "csv"}).text.splitlines()
    assert csv[0] == "name,start,end,current"
    assert csv[4] == f"{NOW},{SPANS[NOW][0]},{SPANS[NOW][1]},true"


def test_current_in_the_path_is_the_pi_containing_today(api: TestClient) -> None:
    start, end = SPANS[NOW]
    expected = {"name": NOW, "start": str(start), "end": str(end), "current": True}
    assert _get(api, "/pis/current") == {**expected, "iterations": []}
    assert _get(api, f"/pis/{LAST}") == {
        "name": LAST,
        "start": str(SPANS[LAST][0]),
        "end": str(SPANS[LAST][1]),
        "current": False,
        "iterations": [],
    }


def test_objectives_and_risks_take_current(api: TestClient) -> None:
    made = api.post(
        "/api/v1/arts/Phoenix/pis/current/objectives",
        json={"team": "Blue", "text": "Ship SSO", "planned_bv": 5},
    )
    assert made.status_code == 201, made.text
    assert made.json()["pi"] == NOW
    listed = _get(api, f"/pis/{NOW}/objectives")["data"]
    assert [(o["pi"], o["text"]) for o in listed] == [(NOW, "Ship SSO")]
    risk = api.post("/api/v1/arts/Phoenix/pis/current/risks", json={"text": "Vendor late"})
    assert risk.status_code == 201, risk.text
    assert [r["pi"] for r in _get(api, "/pis/current/risks")["data"]] == [NOW]


def test_reports_resolve_current_on_as_of_day_in_the_art_time_zone(api: TestClient) -> None:
    body = _get(api, "/pis/current/predictability", as_of=AS_OF)
    assert body["pi"] == "PI 26.2"
    assert _get(api, "/pis/current/burnup", as_of=AS_OF)["pi"] == "PI 26.2"
    assert _get(api, "/pis/current/program-board", as_of=AS_OF)["pi"] == "PI 26.2"
    assert _get(api, "/velocity", as_of=AS_OF, pi="current")["data"] == []
    chart = api.get(
        "/api/v1/arts/Phoenix/charts/burnup.svg", params={"as_of": AS_OF, "pi": "current"}
    )
    assert chart.status_code == 200, chart.text
    assert "Burn-up: Phoenix, all teams, PI 26.2" in chart.text


def test_current_with_no_pi_containing_today_is_a_404_naming_art_and_day(
    api: TestClient,
) -> None:
    body = _get(api, "/pis/current/predictability", 404, as_of=GAP_AS_OF)
    assert body["detail"].startswith("no PI of Phoenix contains today, 2026-06-02 (PIs: ")
    assert "PI 26.2 (2026-03-16 to 2026-05-24)" in body["detail"]
    chart = _get(api, "/charts/burnup.svg", 404, as_of=GAP_AS_OF, pi="current")
    assert chart["detail"] == body["detail"]


def test_structure_current_404_names_the_art_and_today(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """An ART whose PIs are all over: /pis/current is a 404 naming today's date there."""
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        session.execute(delete(PI).where(PI.name.in_([NOW, NEXT])))
    resp = client.get("/api/v1/arts/Phoenix/pis/current", headers=bearer(tokens["read"]))
    assert resp.status_code == 404
    today = datetime.now(UTC).astimezone(ZoneInfo(TZ)).date()
    assert resp.json()["detail"].startswith(f"no PI of Phoenix contains today, {today} (PIs: ")
    listed = client.get("/api/v1/arts/Phoenix/pis", headers=bearer(tokens["read"])).json()
    assert [p["current"] for p in listed["data"]] == [False, False, False]
