"""The simulator on its own: wire shapes, limits, auth, the id mapping, its independence."""

from __future__ import annotations

import ast
import base64
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import simulators.azure_devops as simulator_package
from simulators.azure_devops import AdoState, create_ado_simulator, state_map
from simulators.scenario import Scenario

from .conftest import PAT, REST_SAMPLES

AUTH = {"Authorization": "Basic " + base64.b64encode(f":{PAT}".encode()).decode()}
BASE = "/phoenix/Phoenix/_apis/wit"


def client(scenario: Scenario) -> TestClient:
    return TestClient(create_ado_simulator(scenario, pat=PAT))


def sample(name: str) -> Any:
    return json.loads((REST_SAMPLES / name).read_text(encoding="utf-8"))


def test_states_follow_the_scenario_categories(golden: Scenario) -> None:
    assert state_map(golden.statuses) == {
        "To Do": AdoState("New", "Proposed"),
        "In Progress": AdoState("Active", "InProgress"),
        "Blocked": AdoState("Blocked", "InProgress"),
        "In Review": AdoState("Resolved", "Resolved"),
        "Done": AdoState("Closed", "Completed"),
        "Won't Do": AdoState("Removed", "Removed"),
    }
    extra = state_map({"Open": "todo", "Triage": "todo", "Doing": "active"})
    assert extra["Triage"] == AdoState("Triage", "Proposed")


def test_ids_follow_scenario_order(golden: Scenario) -> None:
    app = create_ado_simulator(golden)
    world = app.state.ado
    assert [world.id_of(i.key) for i in golden.items] == list(range(1, 27))
    assert world.key_of(27) == "OBJ-1"  # objectives (then risks) follow the items
    assert world.items[world.id_of("BLUE-2")].type == "Bug"
    assert world.items[world.id_of("BLUE-5")].tags == ("Enabler",)


def test_options_lists_the_locations_the_sdk_needs(golden: Scenario) -> None:
    body = client(golden).options("/phoenix/_apis", headers=AUTH).json()
    ids = {loc["id"] for loc in body["value"]}
    assert {
        "1a9c53f7-f243-4447-b110-35ef023636e4",
        "908509b6-4248-4475-a1cd-829139ba419f",
        "f828fe59-dd87-495d-a17c-7a8d6211ca6c",
    } <= ids
    assert body["count"] == len(body["value"])


def test_every_resource_needs_the_pat(golden: Scenario) -> None:
    c = client(golden)
    assert c.get(f"{BASE}/fields").status_code == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b":nope").decode()}
    assert c.post(f"{BASE}/wiql", headers=wrong, json={"query": "x"}).status_code == 401
    assert c.get(f"{BASE}/fields", headers=AUTH).status_code == 200


def test_work_items_batch_shape_and_limits(golden: Scenario) -> None:
    c = client(golden)
    answer = c.post(
        f"{BASE}/workItemsBatch",
        headers=AUTH,
        json={"ids": [17, 999], "$expand": "relations", "errorPolicy": "omit"},
    )
    body = answer.json()
    assert body["count"] == 2 and body["value"][1] is None
    item = body["value"][0]
    documented = sample("workitems_list_expand_all_with_relations.json")["value"][0]
    assert set(item) <= set(documented)  # id, rev, fields, relations, url
    assert set(item["relations"][0]) == set(documented["relations"][0])
    assert item["relations"][0]["url"].endswith("/_apis/wit/workItems/21")
    too_many = c.post(f"{BASE}/workItemsBatch", headers=AUTH, json={"ids": list(range(201))})
    assert too_many.status_code == 400
    assert too_many.json()["message"] == (
        "VS403474: You requested 201 work items which exceeds the limit of 200"
    )
    failing = c.post(f"{BASE}/workItemsBatch", headers=AUTH, json={"ids": [999]})
    assert failing.status_code == 404


def test_revisions_feed_shape_and_paging(golden: Scenario) -> None:
    c = client(golden)
    first = c.get(f"{BASE}/reporting/workItemRevisions?$maxPageSize=50", headers=AUTH).json()
    assert set(first) == set(sample("reporting_workitemrevisions_identityref_watermark.json"))
    assert (len(first["values"]), first["isLastBatch"]) == (50, False)
    token = first["continuationToken"]
    rest = c.get(
        f"{BASE}/reporting/workItemRevisions?continuationToken={token}", headers=AUTH
    ).json()
    assert (len(rest["values"]), rest["isLastBatch"]) == (35, True)
    assert rest["values"][-1]["fields"]["System.CreatedBy"] == (
        "Pat Simulator <pat.simulator@example.com>"
    )  # a string unless includeIdentityRef


def test_simulator_never_imports_the_connector() -> None:
    for path in Path(simulator_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("connectors.azure_devops"), path
            elif isinstance(node, ast.Import):
                assert all(not a.name.startswith("connectors.azure_devops") for a in node.names)


def test_revisions_feed_post_filter_and_start_date(golden: Scenario) -> None:
    c = client(golden)
    posted = c.post(
        f"{BASE}/reporting/workItemRevisions",
        headers=AUTH,
        json={"types": ["Bug"], "fields": ["System.State"], "includeIdentityRef": True},
    ).json()
    assert {v["id"] for v in posted["values"]} == {2}  # BLUE-2, the golden ART's only Bug
    assert [v["fields"] for v in posted["values"]][:2] == [
        {"System.State": "New"},
        {"System.State": "Active"},
    ]
    since = c.get(
        f"{BASE}/reporting/workItemRevisions?startDateTime=2026-02-06T00:00:00Z", headers=AUTH
    ).json()
    # BLUE-5 (5) unflagged on Feb 6 and done on Feb 9; GREEN-3 (14) back in progress on Feb 6
    assert sorted((v["id"], v["rev"]) for v in since["values"]) == [(5, 7), (5, 8), (14, 4)]
