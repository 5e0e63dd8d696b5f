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
from tests.app.api.mixed_art import (
    ART,
    AS_OF,
    BLUE_1,
    BLUE_2,
    BLUE_3,
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


# back to the tracker (issue 14): Jira issues by key, Azure DevOps work items by id, shown `#id`
REFS = {
    "BLUF-1": {"url": "http://jira.invalid/browse/BLUF-1", "display_key": "BLUF-1"},
    "BLUF-2": {"url": "http://jira.invalid/browse/BLUF-2", "display_key": "BLUF-2"},
    "BLUF-5": {"url": "http://jira.invalid/browse/BLUF-5", "display_key": "BLUF-5"},
    "BLU-1": {"url": "http://jira.invalid/browse/BLU-1", "display_key": "BLU-1"},
    "BLU-2": {"url": "http://jira.invalid/browse/BLU-2", "display_key": "BLU-2"},
    "BLU-3": {"url": "http://jira.invalid/browse/BLU-3", "display_key": "BLU-3"},
    "1001": {"url": "http://ado.invalid/org/Orion/_workitems/edit/1001", "display_key": "#1001"},
    "1002": {"url": "http://ado.invalid/org/Orion/_workitems/edit/1002", "display_key": "#1002"},
    "1010": {"url": "http://ado.invalid/org/Orion/_workitems/edit/1010", "display_key": "#1010"},
}


def _place(key: str, team: str, name: str, tracker_key: str) -> dict[str, Any]:
    return {"key": key, "team": team, "iteration": name, "iteration_key": tracker_key, **REFS[key]}


BLUF_2_BEFORE = _place("BLUF-2", "Blue", BLUE_2, "82")
BLUF_2_NOW = _place("BLUF-2", "Blue", BLUE_3, "73")


def test_baseline_names_iterations_and_keeps_their_keys(api: TestClient) -> None:
    """Item 2: features by iteration name with the tracker's key beside; BLUF-1 moved from
    sprint 81 to sprint 71, both "Blue Sprint 1", so it did not move; the story scope comes
    as figures, its items from the paged scope list."""
    body = _report(api, f"/pis/{PI}/baseline")
    assert body["baseline"]["features"] == [
        _place("BLUF-1", "Blue", BLUE_1, "81"),
        BLUF_2_BEFORE,
        _place("1010", "Green", "PI 26.5 I2", I2),
    ]
    assert body["current_features"] == [
        _place("BLUF-1", "Blue", BLUE_1, "71"),
        BLUF_2_NOW,
        _place("1010", "Green", "PI 26.5 I2", I2),
    ]
    assert body["features"]["moved"] == [
        {"key": "BLUF-2", "from": BLUF_2_BEFORE, "to": BLUF_2_NOW, **REFS["BLUF-2"]}
    ]
    assert "scope_items" not in body["baseline"]
    assert body["scope"] == {
        "baseline": {"items": 5, "points": 22},
        "now": {"items": 6, "points": 27},
        "added": {"items": 1, "points": 2},
        "removed": {"items": 0, "points": 0},
        "change_points": 5,
    }
    lines = _report(api, f"/pis/{PI}/baseline", format="csv").splitlines()
    assert lines[0] == (
        "key,change,done,baseline.team,baseline.iteration,now.team,now.iteration,"
        "baseline.iteration_key,now.iteration_key,url,display_key"
    )
    assert lines[1:] == [
        "BLUF-1,unchanged,false,Blue,Blue Sprint 1,Blue,Blue Sprint 1,81,71,"
        "http://jira.invalid/browse/BLUF-1,BLUF-1",
        "BLUF-2,moved,false,Blue,Blue Sprint 2,Blue,Blue Sprint 3,82,73,"
        "http://jira.invalid/browse/BLUF-2,BLUF-2",
        f"1010,unchanged,false,Green,PI 26.5 I2,Green,PI 26.5 I2,{I2},{I2},"
        "http://ado.invalid/org/Orion/_workitems/edit/1010,#1010",
    ]


def _scope(key: str, change: str, baseline: int, now: int) -> dict[str, Any]:
    points = {"baseline_points": baseline, "now_points": now}
    return {"key": key, "change": change, **points, **REFS[key]}


def test_baseline_scope_items_are_a_paged_list(api: TestClient) -> None:
    path = f"/pis/{PI}/baseline/scope"
    first = _report(api, path, limit=4)
    assert first["data"] == [
        _scope("BLU-1", "unchanged", 5, 5),
        _scope("BLU-2", "unchanged", 3, 3),
        _scope("BLUF-5", "unchanged", 1, 1),
        _scope("1001", "unchanged", 8, 8),
    ]
    rest = _report(api, path, limit=4, cursor=first["next_cursor"])
    assert rest["data"] == [
        _scope("1002", "re-estimated", 5, 8),
        {
            "key": "BLU-3",
            "change": "added",
            "baseline_points": None,
            "now_points": 2,
            **REFS["BLU-3"],
        },
    ]
    assert rest["next_cursor"] is None
    lines = _report(api, path, format="csv").splitlines()
    assert lines[0] == "key,change,baseline_points,now_points,url,display_key"
    assert lines[-1] == "BLU-3,added,,2,http://jira.invalid/browse/BLU-3,BLU-3"


def test_changes_name_iterations_and_keep_their_keys(api: TestClient) -> None:
    """Item 2: /changes shows from/to iterations by name, the tracker's id or path beside."""
    resp = api.get("/api/v1/changes", params={"field": "iteration", "art": ART})
    assert resp.status_code == 200, resp.text
    fields = ["key", "source", "from", "to", "from_iteration_key", "to_iteration_key"]
    assert [(r["url"], r["display_key"]) for r in resp.json()["data"]] == [
        (REFS[k]["url"], REFS[k]["display_key"]) for k in ("BLU-2", "BLUF-1", "BLUF-2", "1002")
    ]
    assert [[r[f] for f in fields] for r in resp.json()["data"]] == [
        ["BLU-2", "jira", BLUE_1, BLUE_2, "71", "72"],
        ["BLUF-1", "jira", BLUE_1, BLUE_1, "81", "71"],
        ["BLUF-2", "jira", BLUE_2, BLUE_3, "82", "73"],
        ["1002", "ado", "PI 26.5 I1", "PI 26.5 I2", I1, I2],
    ]
    status = api.get("/api/v1/changes", params={"field": "status", "art": ART}).json()["data"]
    assert [[r[f] for f in fields] for r in status[:1]] == [
        ["BLU-1", "jira", "To Do", "Done", None, None]
    ]
    csv = api.get("/api/v1/changes", params={"field": "iteration", "format": "csv"}).text
    assert csv.splitlines()[0].endswith(",from_iteration_key,to_iteration_key,url,display_key")
    assert csv.splitlines()[1].startswith(f"BLU-2,jira,iteration,{BLUE_1},{BLUE_2},")
    assert csv.splitlines()[1].endswith(",71,72,http://jira.invalid/browse/BLU-2,BLU-2")


def _iteration(name: str, team: str | None, start: str, end: str) -> dict[str, Any]:
    return {"name": name, "team": team, "start": start, "end": end, "state": None}


I3_DATES = ("2026-03-30", "2026-04-05")
B3_DATES = ("2026-03-30", "2026-04-12")


def test_pi_detail_lists_every_team_of_both_trackers(api: TestClient) -> None:
    """Green's Azure DevOps iteration paths are ART-wide: listed for Green (its items' area
    path), not as `team: null`; Blue's two boards' same-named sprints are one row each."""
    body = api.get(f"/api/v1/arts/{ART}/pis/{PI}").json()
    assert body["iterations"] == [
        _iteration(BLUE_1, "Blue", *I1_DATES),
        _iteration("PI 26.5 I1", "Green", *I1_DATES),
        _iteration(BLUE_2, "Blue", *I2_DATES),
        _iteration("PI 26.5 I2", "Green", *I2_DATES),
        _iteration(BLUE_3, "Blue", *B3_DATES),
        _iteration("PI 26.5 I3", "Green", *I3_DATES),
    ]
