"""Objectives and risks through the API: scopes, validation, ownership, outbox events."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from art.models import OutboxEvent
from tests.conftest import bearer

BASE = "/api/v1/arts/Phoenix/pis/PI 26.1"


def test_write_scope_is_needed_to_create(client: TestClient, tokens: dict[str, str]) -> None:
    body = {"team": "Blue", "text": "Ship SSO", "planned_bv": 8}
    resp = client.post(f"{BASE}/objectives", json=body, headers=bearer(tokens["read"]))
    assert resp.status_code == 403
    assert resp.json()["detail"] == "this token lacks the 'write' scope"


def test_objective_lifecycle_and_its_events(client: TestClient, tokens: dict[str, str]) -> None:
    w = bearer(tokens["write"])
    made = client.post(
        f"{BASE}/objectives",
        headers=w,
        json={
            "team": "Blue",
            "text": "Ship SSO",
            "committed": False,
            "planned_bv": 8,
            "items": ["BLUE-F1"],
        },
    )
    assert made.status_code == 201
    obj = made.json()
    assert {
        k: obj[k]
        for k in ("pi", "team", "text", "committed", "planned_bv", "actual_bv", "items", "origin")
    } == {
        "pi": "PI 26.1",
        "team": "Blue",
        "text": "Ship SSO",
        "committed": False,
        "planned_bv": 8,
        "actual_bv": None,
        "items": ["BLUE-F1"],
        "origin": "api",
    }
    scored = client.patch(
        f"{BASE}/objectives/{obj['id']}", headers=w, json={"actual_bv": 9, "team": "Red"}
    ).json()
    assert (scored["actual_bv"], scored["team"], scored["planned_bv"]) == (9, "Red", 8)
    listed = client.get(f"{BASE}/objectives", headers=bearer(tokens["read"])).json()["data"]
    assert [(o["id"], o["actual_bv"]) for o in listed] == [(obj["id"], 9)]
    assert client.delete(f"{BASE}/objectives/{obj['id']}", headers=w).status_code == 204
    assert client.get(f"{BASE}/objectives", headers=w).json()["data"] == []
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        events = [
            (e.type, e.payload["data"]["change"])
            for e in s.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        ]
    assert events == [
        ("objective.changed", "created"),
        ("objective.changed", "updated"),
        ("objective.changed", "deleted"),
    ]


def test_objective_validation_names_the_field(client: TestClient, tokens: dict[str, str]) -> None:
    w = bearer(tokens["write"])
    resp = client.post(
        f"{BASE}/objectives", headers=w, json={"team": "Blue", "text": "x", "planned_bv": 11}
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["parameter"] == "planned_bv"
    resp = client.post(
        f"{BASE}/objectives", headers=w, json={"team": "Purple", "text": "x", "planned_bv": 3}
    )
    assert resp.status_code == 422
    assert resp.json()["errors"] == [
        {"parameter": "team", "in": "body", "message": "no team named 'Purple' in this ART"}
    ]
    resp = client.patch(f"{BASE}/objectives/999", headers=w, json={"actual_bv": 1})
    assert resp.status_code == 404


def test_risk_roam_lifecycle(client: TestClient, tokens: dict[str, str]) -> None:
    w = bearer(tokens["write"])
    risk = client.post(
        f"{BASE}/risks", headers=w, json={"text": "Vendor API late", "owner": "Ann"}
    ).json()
    assert (risk["roam"], risk["owner"], risk["team"]) == ("unroamed", "Ann", None)
    owned = client.patch(f"{BASE}/risks/{risk['id']}", headers=w, json={"roam": "owned"})
    assert owned.json()["roam"] == "owned"
    bad = client.patch(f"{BASE}/risks/{risk['id']}", headers=w, json={"roam": "ignored"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["parameter"] == "roam"
    csv = client.get(f"{BASE}/risks?format=csv", headers=bearer(tokens["read"])).text
    assert csv.splitlines()[0] == "id,pi,team,text,owner,roam,origin,source,key,updated_at"
    assert csv.splitlines()[1].startswith(f"{risk['id']},PI 26.1,,Vendor API late,Ann,owned,api")


def test_business_values_keep_their_integer_type(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """A business value posted as 5 comes back as 5, not 5.0: in the objectives list (JSON
    and CSV), in the predictability report (JSON and CSV) and in the event."""
    w, r = bearer(tokens["write"]), bearer(tokens["read"])
    made = client.post(
        f"{BASE}/objectives", headers=w, json={"team": "Blue", "text": "SSO", "planned_bv": 5}
    ).json()
    client.patch(f"{BASE}/objectives/{made['id']}", headers=w, json={"actual_bv": 4})
    listed = client.get(f"{BASE}/objectives", headers=r)
    row = listed.json()["data"][0]
    assert (row["planned_bv"], row["actual_bv"]) == (5, 4)
    assert (type(row["planned_bv"]), type(row["actual_bv"])) == (int, int)
    csv = client.get(f"{BASE}/objectives", headers=r, params={"format": "csv"}).text
    assert ",5,4," in csv.splitlines()[1]
    report = client.get(
        f"{BASE}/predictability", headers=r, params={"as_of": "2026-03-20T00:00:00Z"}
    )
    assert report.status_code == 200, report.text
    body = report.json()
    figures = [(t["team"], t["planned_bv"], t["actual_bv"]) for t in body["teams"]]
    figures.append(("ART", body["art"]["planned_bv"], body["art"]["actual_bv"]))
    assert figures == [("Blue", 5, 4), ("Red", 0, 0), ("ART", 5, 4)]
    assert {type(v) for _, *vs in figures for v in vs} == {int}
    rows = client.get(
        f"{BASE}/predictability",
        headers=r,
        params={"as_of": "2026-03-20T00:00:00Z", "format": "csv"},
    ).text.splitlines()
    assert rows[1].startswith("PI 26.1,team,Blue,5,4,")
    objective = body["objectives"][0]
    assert (type(objective["planned_bv"]), type(objective["actual_bv"])) == (int, int)
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        last = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id.desc())).first()
        assert last is not None
        data = last.payload["data"]["objective"]
        assert (type(data["planned_bv"]), type(data["actual_bv"])) == (int, int)
