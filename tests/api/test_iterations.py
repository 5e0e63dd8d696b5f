"""Iterations as the ART defines them (issue 12, items 1 and 2), on SQLite and PostgreSQL.

Velocity has one row per team, PI and iteration name, merged across a team's boards and the
ART's sources, and no row for an iteration no item of the team was in. Every report and list
shows an iteration by its display name (a Jira sprint's name, the last segment of an Azure
DevOps path) and keeps the tracker's id or path in a field of its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from art.config import TrainyardConfig
from tests.api.mixed_art import (
    ART,
    AS_OF,
    BLUE_1,
    BLUE_2,
    I1,
    I2,
    PI,
    mixed_config,
    store_mixed,
)
from tests.conftest import bearer


@pytest.fixture
def app_config() -> TrainyardConfig:
    return mixed_config()


@pytest.fixture
def api(client: TestClient, tokens: dict[str, str]) -> TestClient:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        store_mixed(session)
    client.headers.update(bearer(tokens["read"]))
    return client


def _report(api: TestClient, path: str, **params: Any) -> Any:
    resp = api.get(f"/api/v1/arts/{ART}{path}", params={"as_of": AS_OF.isoformat(), **params})
    assert resp.status_code == 200, resp.text
    return resp.json() if params.get("format") != "csv" else resp.text


def _velocity(
    team: str, name: str, keys: list[str], dates: tuple[str, str], figures: list[Any]
) -> dict[str, Any]:
    fields = "committed_points completed_points added_points carried_over_points say_do_pct"
    fields += " committed_items completed_items"
    return {
        "team": team,
        "iteration": name,
        "iteration_keys": keys,
        "pi": PI,
        "start": dates[0],
        "end": dates[1],
        **dict(zip(fields.split(), figures, strict=True)),
    }


I1_DATES, I2_DATES = ("2026-03-02", "2026-03-15"), ("2026-03-16", "2026-03-29")
VELOCITY = [
    # BLU-1 5 and BLU-2 3 in sprint 71, BLUF-5 1 in sprint 81 at the start; BLU-2 left for 72
    _velocity("Blue", BLUE_1, ["71", "81"], I1_DATES, [9, 6, 0, 0, 66.6667, 3, 2]),
    # BLU-2 committed and done; BLU-3 created in the sprint, not done
    _velocity("Blue", BLUE_2, ["72", "82"], I2_DATES, [3, 3, 2, 2, 100.0, 1, 1]),
    # 1001 8 done, 1002 5 still in I1 at its end
    _velocity("Green", "PI 26.5 I1", [I1], I1_DATES, [13, 8, 0, 5, 61.5385, 2, 1]),
    # 1002 moved in after the start: added, carried over
    _velocity("Green", "PI 26.5 I2", [I2], I2_DATES, [0, 0, 5, 5, None, 0, 0]),
]


def test_velocity_has_one_row_per_team_pi_and_iteration(api: TestClient) -> None:
    """Item 1: Blue's two boards give one row per sprint name, Green's ART-wide paths give rows
    to Green only, and the Azure DevOps I3 no one worked in gives no row at all."""
    assert _report(api, "/velocity")["data"] == VELOCITY
    assert _report(api, "/velocity", team="Blue", pi=PI)["data"] == VELOCITY[:2]
    assert _report(api, "/velocity", team="Red")["data"] == []


def test_velocity_csv_names_the_iteration_and_its_keys(api: TestClient) -> None:
    lines = _report(api, "/velocity", team="Blue", format="csv").splitlines()
    assert lines[0] == (
        "team,iteration,pi,start,end,committed_points,completed_points,added_points,"
        "carried_over_points,say_do_pct,committed_items,completed_items,iteration_keys"
    )
    assert lines[1] == (
        'Blue,Blue Sprint 1,PI 26.5,2026-03-02,2026-03-15,9,6,0,0,66.6667,3,2,"[""71"",""81""]"'
    )
