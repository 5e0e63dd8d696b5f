"""Webhooks in, end to end: a tracker simulator, the service over its ASGI app, the store.

A change made in the simulated tracker and announced by a signed webhook becomes visible in
the store; bad signatures, repeats, malformed and hostile deliveries are handled as the
trackers' documentation requires.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.demo import ENV, ado_source, jira_source, start_demo
from app.main import create_app
from app.settings import Settings
from art.config import TrainyardConfig
from art.models import InboxEvent, WorkItem
from connectors.jira.webhooks import sign
from simulators.azure_devops import ado_world, create_ado_simulator
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator, sim_of
from simulators.server import serve
from sync.runner import PullRunner
from tests.conftest import SHARED

SECRET = "hook-s3cret"
TEAMS = ["Atlas", "Borealis", "Comet"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**ENV, "HOOK_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def jira(env: None, store_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """The service with one Jira source, pulled once, and the simulator behind it."""
    scenario = generate_art(3, 90, teams=3)
    sim_app = create_jira_simulator(
        scenario, users={ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
    )
    with serve(sim_app) as url:
        config = TrainyardConfig.model_validate(
            {
                "arts": [{"name": scenario.art, "teams": [{"name": t} for t in TEAMS]}],
                "sources": [
                    jira_source("jira", url, scenario, TEAMS, webhook_secret_env="HOOK_SECRET")
                ],
            }
        )
        settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp_path)
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            PullRunner(state.sessions, config, config.source("jira")).run()
            yield client, sim_app


def _status(client: TestClient, key: str) -> str | None:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        return s.scalar(select(WorkItem.status).where(WorkItem.key == key))


def _inbox(client: TestClient) -> list[tuple[str, str]]:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        return [
            tuple(r)
            for r in s.execute(  # type: ignore[misc]
                select(InboxEvent.delivery_id, InboxEvent.status).order_by(InboxEvent.id)
            )
        ]


def wait_for(predicate: Callable[[], bool], timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def _jira_body(key: str, issue_id: str, stamp: int, event: str = "jira:issue_updated") -> bytes:
    return json.dumps(
        {
            "timestamp": stamp,
            "webhookEvent": event,
            "issue_event_type_name": "issue_generic",
            "issue": {"id": issue_id, "key": key, "fields": {}},
            "changelog": {"id": str(stamp), "items": [{"field": "status", "toString": "Done"}]},
        }
    ).encode()


def _post(
    client: TestClient, body: bytes, delivery: str, secret: str = SECRET, **headers: str
) -> Any:
    return client.post(
        "/hooks/jira/jira",
        content=body,
        headers={
            "Content-Type": "application/json; charset=UTF-8",
            "X-Hub-Signature": sign(body, secret),
            "X-Atlassian-Webhook-Identifier": delivery,
            **headers,
        },
    )


def _story(client: TestClient, category: str = "todo") -> tuple[str, str]:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        row = s.execute(
            select(WorkItem.key, WorkItem.tracker_id)
            .where(WorkItem.level == "story", WorkItem.status_category == category)
            .order_by(WorkItem.key)
        ).first()
    assert row is not None
    return row[0], row[1]


def test_signed_jira_webhook_is_applied(jira: tuple[TestClient, Any]) -> None:
    client, sim_app = jira
    key, issue_id = _story(client)
    sim_of(sim_app).change(key, "status", "Done")
    resp = _post(client, _jira_body(key, issue_id, 1), "delivery-1")
    assert resp.status_code == 202
    assert resp.json()["duplicate"] is False
    wait_for(lambda: _status(client, key) == "Done")
    assert _inbox(client) == [("delivery-1", "applied")]


def test_repeated_delivery_answers_202_and_is_stored_once(jira: tuple[TestClient, Any]) -> None:
    client, _ = jira
    key, issue_id = _story(client)
    body = _jira_body(key, issue_id, 2)
    first = _post(client, body, "delivery-9")
    again = _post(client, body, "delivery-9", **{"X-Atlassian-Webhook-Retry": "1"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    wait_for(lambda: _inbox(client) == [("delivery-9", "applied")])


def test_bad_signature_is_401_and_stores_nothing(jira: tuple[TestClient, Any]) -> None:
    client, _ = jira
    key, issue_id = _story(client)
    resp = _post(client, _jira_body(key, issue_id, 3), "d-bad", secret="wrong")
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"
    assert "does not match the body" in resp.json()["detail"]
    assert _inbox(client) == []


def test_malformed_event_is_kept_and_the_next_applies(jira: tuple[TestClient, Any]) -> None:
    client, sim_app = jira
    bad = json.dumps({"webhookEvent": "jira:issue_updated", "timestamp": 5}).encode()
    assert _post(client, bad, "d-malformed").json()["status"] == "failed"
    key, issue_id = _story(client)
    sim_of(sim_app).change(key, "status", "In Progress")
    _post(client, _jira_body(key, issue_id, 6), "d-next")
    wait_for(lambda: _status(client, key) == "In Progress")
    failed = client.get("/api/v1/inbox?status=failed", headers=_admin(client)).json()["data"]
    # unparseable: deduplicated by a hash of its body, kept with the reason
    assert [(e["delivery_id"][:7], e["error"]) for e in failed] == [
        ("sha256:", "Jira webhook jira:issue_updated: no 'issue' object")
    ]


def test_out_of_order_and_repeated_webhooks_converge_to_a_pull(
    jira: tuple[TestClient, Any],
) -> None:
    client, sim_app = jira
    sim = sim_of(sim_app)
    changed = sim.mutate(fraction=0.05, seed=11)
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        ids = {
            key: tracker_id
            for key, tracker_id in s.execute(
                select(WorkItem.key, WorkItem.tracker_id).where(WorkItem.key.in_(changed))
            )
        }
    deliveries = [(k, ids[k], n) for n, k in enumerate(changed) if k in ids]
    for key, issue_id, n in reversed(deliveries + deliveries[:2]):  # reversed, two repeated
        _post(client, _jira_body(key, issue_id, 100 + n), f"mut-{n}")
    wait_for(
        lambda: (
            all(status == "applied" for _, status in _inbox(client))
            and len(_inbox(client)) == len(deliveries)
        )
    )
    pushed = _snapshot(client)
    config = state.config
    PullRunner(state.sessions, config, config.source("jira")).run(full=True)
    assert _snapshot(client) == pushed


def _snapshot(client: TestClient) -> list[tuple[Any, ...]]:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    WorkItem.key,
                    WorkItem.status,
                    WorkItem.status_category,
                    WorkItem.iteration_id,
                    WorkItem.story_points,
                    WorkItem.flagged,
                    WorkItem.deleted,
                ).order_by(WorkItem.key)
            )
        ]


def _admin(client: TestClient) -> dict[str, str]:
    from app.tokens import create_token

    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        return {"Authorization": f"Bearer {create_token(s, 'hooks-admin', ['admin'])}"}


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"{not json", 400),
        ({"Content-Type": "application/json"}, b"[" + b"1," * 600_000 + b"1]", 413),
    ],
)
def test_hostile_deliveries_get_4xx_and_store_nothing(
    jira: tuple[TestClient, Any], headers: dict[str, str], body: bytes, status: int
) -> None:
    client, _ = jira
    resp = client.post(
        "/hooks/jira/jira", content=body, headers={**headers, "X-Hub-Signature": sign(body, SECRET)}
    )
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    assert _inbox(client) == []


def test_unknown_source_is_404(jira: tuple[TestClient, Any]) -> None:
    client, _ = jira
    resp = client.post(
        "/hooks/jira/nope", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 404
    assert resp.json()["detail"] == "no jira source named 'nope' is configured"


# -- Azure DevOps ---------------------------------------------------------------------------
@pytest.fixture
def ado(env: None, store_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    scenario = generate_art(4, 60, teams=3)
    sim_app = create_ado_simulator(
        scenario, org="acme", project=scenario.art, pat=ENV["TRAINYARD_DEMO_ADO_PAT"]
    )
    with serve(sim_app) as url:
        config = TrainyardConfig.model_validate(
            {
                "arts": [{"name": scenario.art, "teams": [{"name": t} for t in TEAMS]}],
                "sources": [
                    ado_source(
                        "ado",
                        url,
                        "acme",
                        scenario,
                        TEAMS,
                        webhook_username="trainyard",
                        webhook_secret_env="HOOK_SECRET",
                    )
                ],
            }
        )
        settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp_path)
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            PullRunner(state.sessions, config, config.source("ado")).run()
            yield client, sim_app


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_azure_devops_service_hook_is_applied(ado: tuple[TestClient, Any]) -> None:
    client, sim_app = ado
    key, _ = _story(client)
    world = ado_world(sim_app)
    rev = world.mutate(world.key_of(int(key)), status="Done")
    body = json.dumps(
        {
            "id": "2f7a5c1e-0000-4000-8000-000000000001",
            "eventType": "workitem.updated",
            "publisherId": "tfs",
            "resourceVersion": "1.0",
            "createdDate": datetime.now(UTC).isoformat(),
            "resource": {
                "id": 77,
                "workItemId": int(key),
                "rev": rev,
                "fields": {"System.State": {"oldValue": "New", "newValue": "Closed"}},
                "revision": {"id": int(key), "rev": rev, "fields": {}},
            },
        }
    ).encode()
    bad = client.post(
        "/hooks/azure-devops/ado",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": _basic("trainyard", "nope")},
    )
    assert bad.status_code == 401
    ok = client.post(
        "/hooks/azure-devops/ado",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": _basic("trainyard", SECRET)},
    )
    assert ok.status_code == 202
    wait_for(lambda: _status(client, key) == "Closed")
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(InboxEvent)) == 1


# -- scope, identity, verification and headers ----------------------------------------------
MS_HOOKS = SHARED / "tracker-samples" / "microsoft_azure_devops_docs_service_hooks"
PINPT = SHARED / "tracker-samples" / "pinpt_jira_webhook_captures"


def _inbox_rows(client: TestClient) -> list[tuple[str, str, str | None]]:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        rows = s.execute(
            select(InboxEvent.delivery_id, InboxEvent.status, InboxEvent.error).order_by(
                InboxEvent.id
            )
        )
        return [(d, st, e) for d, st, e in rows]


def _items(client: TestClient) -> dict[str, bool]:
    """Every stored item key and whether it is deleted."""
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        return {k: d for k, d in s.execute(select(WorkItem.key, WorkItem.deleted))}


@contextmanager
def _service(
    store_url: str, tmp_path: Path, art: str, sources: list[dict[str, Any]]
) -> Iterator[TestClient]:
    config = TrainyardConfig.model_validate(
        {"arts": [{"name": art, "teams": [{"name": t} for t in TEAMS]}], "sources": sources}
    )
    settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp_path)
    with TestClient(create_app(settings, config)) as client:
        yield client


@pytest.fixture
def jira_two(env: None, store_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """A Jira source reading two of the simulator's three projects (ATLAS, BOREALIS)."""
    scenario = generate_art(3, 90, teams=3)
    sim_app = create_jira_simulator(
        scenario, users={ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
    )
    with serve(sim_app) as url:
        source = jira_source("jira", url, scenario, TEAMS[:2], webhook_secret_env="HOOK_SECRET")
        with _service(store_url, tmp_path, scenario.art, [source]) as client:
            yield client, sim_app


def _capture(key: str) -> bytes:
    body = (PINPT / "jira_issue_updated.json").read_bytes()
    return body if key == "GOLD-137" else _jira_body(key, "10007", 7)


@pytest.mark.parametrize("key", ["COMET-1", "GOLD-137"], ids=["simulated", "pinpoint-capture"])
def test_an_issue_of_a_project_the_source_does_not_read_is_ignored(
    jira_two: tuple[TestClient, Any], key: str
) -> None:
    client, sim_app = jira_two
    requests = sim_of(sim_app).log.total
    resp = _post(client, _capture(key), f"d-{key}")
    assert (resp.status_code, resp.json()["status"]) == (202, "pending")
    project = key.split("-")[0]
    reason = (
        f"issue {key} is in project {project}, which source 'jira' does not read "
        "(it reads ATLAS, BOREALIS)"
    )
    wait_for(lambda: _inbox_rows(client) == [(f"d-{key}", "ignored", reason)])
    assert sim_of(sim_app).log.total == requests  # the tracker was not asked about it
    assert _items(client) == {}
    listed = client.get("/api/v1/inbox?status=ignored", headers=_admin(client)).json()["data"]
    assert [(e["delivery_id"], e["status"], e["error"]) for e in listed] == [
        (f"d-{key}", "ignored", reason)
    ]


@pytest.fixture
def ado_two(env: None, store_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """An Azure DevOps source reading two of the project's three area paths, pulled once."""
    scenario = generate_art(4, 60, teams=3)
    sim_app = create_ado_simulator(
        scenario, org="acme", project=scenario.art, pat=ENV["TRAINYARD_DEMO_ADO_PAT"]
    )
    with serve(sim_app) as url:
        source = ado_source(
            "ado", url, "acme", scenario, TEAMS[:2], webhook_secret_env="HOOK_SECRET"
        )
        with _service(store_url, tmp_path, scenario.art, [source]) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            PullRunner(state.sessions, state.config, state.config.source("ado")).run()
            yield client, sim_app


def _ms_updated(item: int, rev: int, area: str, delivery: str) -> bytes:
    """Microsoft's workitem.updated sample, about ``item`` now in ``area``."""
    data = json.loads((MS_HOOKS / "workitem.updated.json").read_bytes())
    data["id"] = delivery
    resource = data["resource"]
    resource["workItemId"] = resource["revision"]["id"] = item
    resource["rev"] = resource["revision"]["rev"] = rev
    resource["revision"]["fields"].update(
        {"System.TeamProject": "Orion", "System.AreaPath": area, "System.WorkItemType": "Feature"}
    )
    return json.dumps(data).encode()


def _post_ado(client: TestClient, body: bytes, **headers: str) -> Any:
    return client.post(
        "/hooks/azure-devops/ado",
        content=body,
        headers={"Content-Type": "application/json", "X-Trainyard-Secret": SECRET, **headers},
    )


def test_a_work_item_outside_the_area_paths_read_is_ignored(
    ado_two: tuple[TestClient, Any],
) -> None:
    client, sim_app = ado_two
    world = ado_world(sim_app)
    comet = world.id_of("COMET-1")
    before = _items(client)
    assert str(comet) not in before
    resp = _post_ado(client, _ms_updated(comet, 2, "Orion\\Comet", "e-comet"))
    assert resp.status_code == 202
    reason = (
        f"work item {comet} is in area path 'Orion\\Comet', outside the area paths source "
        "'ado' reads (Orion\\Atlas, Orion\\Borealis)"
    )
    wait_for(lambda: _inbox_rows(client) == [("e-comet", "ignored", reason)])
    assert _items(client) == before


def test_a_work_item_moved_out_of_the_area_paths_is_deleted_as_a_pull_would(
    ado_two: tuple[TestClient, Any],
) -> None:
    client, sim_app = ado_two
    world = ado_world(sim_app)
    atlas = world.id_of("ATLAS-2")
    assert _items(client)[str(atlas)] is False
    rev = world.mutate("ATLAS-2", team="Comet")
    resp = _post_ado(client, _ms_updated(atlas, rev, "Orion\\Comet", "e-moved"))
    assert resp.status_code == 202
    wait_for(lambda: _inbox_rows(client) == [("e-moved", "applied", None)])
    pushed = _items(client)
    assert pushed[str(atlas)] is True
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    result = PullRunner(state.sessions, state.config, state.config.source("ado")).run()
    assert result.status == "succeeded"
    assert _items(client) == pushed  # the incremental pull agrees


@pytest.fixture
def fabrikam(env: None, store_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    """An Azure DevOps source on project FabrikamCloud, as in Microsoft's samples, pulled."""
    scenario = generate_art(4, 60, teams=3)
    sim_app = create_ado_simulator(
        scenario, org="acme", project="FabrikamCloud", pat=ENV["TRAINYARD_DEMO_ADO_PAT"]
    )
    with serve(sim_app) as url:
        source = ado_source(
            "ado",
            url,
            "acme",
            scenario,
            TEAMS,
            project="FabrikamCloud",
            area_paths=[],
            webhook_secret_env="HOOK_SECRET",
        )
        with _service(store_url, tmp_path, scenario.art, [source]) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            PullRunner(state.sessions, state.config, state.config.source("ado")).run()
            yield client, sim_app


def test_azure_devops_deletion_after_creation_of_the_same_revision_is_applied(
    fabrikam: tuple[TestClient, Any],
) -> None:
    """Microsoft's samples: workitem.created and workitem.deleted of item 5, both rev 1."""
    client, sim_app = fabrikam
    created = (MS_HOOKS / "workitem.created.json").read_bytes()
    deleted = (MS_HOOKS / "workitem.deleted.json").read_bytes()
    assert _items(client)["5"] is False
    assert _post_ado(client, created).status_code == 202
    created_id = "d2d46fb1-dba5-403c-9373-427583f19e8c"
    wait_for(lambda: _inbox_rows(client) == [(created_id, "applied", None)])
    world = ado_world(sim_app)
    world.delete(world.key_of(5))
    assert _post_ado(client, deleted).status_code == 202
    wait_for(lambda: len(_inbox_rows(client)) == 2 and _inbox_rows(client)[1][1] != "pending")
    assert _inbox_rows(client) == [
        (created_id, "applied", None),
        ("72da0ade-0709-40ee-beb7-104287bf7e84", "applied", None),
    ]
    assert _items(client)["5"] is True


def test_unsigned_jira_deliveries_are_refused_unless_the_source_allows_them(
    env: None, store_url: str, tmp_path: Path
) -> None:
    scenario = generate_art(3, 90, teams=3)
    sim_app = create_jira_simulator(
        scenario, users={ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
    )
    with serve(sim_app) as url:
        sources = [
            jira_source("closed", url, scenario, TEAMS),
            jira_source("open", url, scenario, TEAMS, webhook_allow_unsigned=True),
        ]
        with _service(store_url, tmp_path, scenario.art, sources) as client:
            key = "ATLAS-2"
            sim_of(sim_app).change(key, "status", "Done")
            body = _jira_body(key, "10002", 8)
            headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": "u-1"}
            refused = client.post("/hooks/jira/closed", content=body, headers=headers)
            assert (refused.status_code, refused.json()["detail"]) == (
                401,
                "source 'closed': no webhook_secret_env is configured, so deliveries cannot be "
                "verified (set webhook_secret_env, or webhook_allow_unsigned = true to accept "
                "unsigned deliveries)",
            )
            assert _inbox_rows(client) == []
            taken = client.post("/hooks/jira/open", content=body, headers=headers)
            assert (taken.status_code, taken.json()["duplicate"]) == (202, False)
            wait_for(lambda: _inbox_rows(client) == [("u-1", "applied", None)])
            assert _status(client, key) == "Done"


def test_start_up_warns_of_each_source_that_accepts_unsigned_webhooks(
    env: None,
    store_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = generate_art(3, 30, teams=3)
    nowhere = "http://127.0.0.1:9"
    sources = [
        jira_source("signed", nowhere, scenario, TEAMS, webhook_secret_env="HOOK_SECRET"),
        jira_source("open", nowhere, scenario, TEAMS, webhook_allow_unsigned=True),
        jira_source(
            "signed-anyway",
            nowhere,
            scenario,
            TEAMS,
            webhook_secret_env="HOOK_SECRET",
            webhook_allow_unsigned=True,
        ),
        jira_source("closed", nowhere, scenario, TEAMS),
        ado_source("ado-open", nowhere, "acme", scenario, TEAMS, webhook_allow_unsigned=True),
        jira_source("unset", nowhere, scenario, TEAMS, webhook_secret_env="NO_SUCH_SECRET"),
        jira_source("blank", nowhere, scenario, TEAMS, webhook_secret_env="BLANK_SECRET"),
    ]
    monkeypatch.delenv("NO_SUCH_SECRET", raising=False)
    monkeypatch.setenv("BLANK_SECRET", "")
    with (
        caplog.at_level(logging.WARNING, logger="app.routes.hooks"),
        _service(store_url, tmp_path, scenario.art, sources),
    ):
        pass
    warned = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "app.routes.hooks"]
    assert warned == [
        (
            "WARNING",
            f"source '{name}' accepts unsigned webhooks (webhook_allow_unsigned = true and no "
            "webhook_secret_env): anyone who can reach its webhook endpoint can push events "
            "into it",
        )
        for name in ("open", "ado-open")
    ] + [
        (
            "ERROR",
            f"source '{name}': webhook_secret_env names environment variable {var}, which is "
            f"{state}: its webhook deliveries will be refused until it is set",
        )
        for name, var, state in (
            ("unset", "NO_SUCH_SECRET", "not set"),
            ("blank", "BLANK_SECRET", "empty"),
        )
    ]


def test_the_demo_accepts_unsigned_webhooks() -> None:
    demo = start_demo(items=20, teams=2)
    try:
        assert [
            (s.name, s.webhook_allow_unsigned, s.webhook_secret_env) for s in demo.config.sources
        ] == [("demo-jira", True, None), ("demo-ado", True, None)]
    finally:
        demo.stop()


def test_credentials_and_signatures_are_not_stored_with_a_delivery(
    ado: tuple[TestClient, Any],
) -> None:
    client, _ = ado
    body = _update_of_a_story(client)
    resp = _post_ado(
        client,
        body,
        Authorization=_basic("trainyard", SECRET),
        Cookie="session=abc",
        **{"User-Agent": "VSServices/16.0", "X-Request-Id": "r-42", "X-Api-Key": "k"},
    )
    assert resp.status_code == 202
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s:
        stored = s.scalars(select(InboxEvent.headers)).one()
    assert stored == {
        "content-length": str(len(body)),
        "content-type": "application/json",
        "user-agent": "VSServices/16.0",
        "x-request-id": "r-42",
    }


def _update_of_a_story(client: TestClient) -> bytes:
    key, _ = _story(client)
    data = json.loads((MS_HOOKS / "workitem.updated.json").read_bytes())
    data["resource"]["workItemId"] = data["resource"]["revision"]["id"] = int(key)
    data["resource"]["revision"]["fields"] = {}
    return json.dumps(data).encode()


def test_the_web_reads_a_webhook_body_as_json_once(
    env: None, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source's connector decodes the body, strictly; the route has no JSON check of its
    own (issue 13: the route, the receiver and the worker each parsed it)."""
    scenario = generate_art(3, 30, teams=2)
    config = TrainyardConfig.model_validate(
        {
            "arts": [{"name": scenario.art, "teams": [{"name": t} for t in scenario.teams]}],
            "sources": [
                jira_source(  # no tracker behind it: receiving calls none
                    "jira",
                    "http://127.0.0.1:9",
                    scenario,
                    list(scenario.teams),
                    webhook_secret_env="HOOK_SECRET",
                )
            ],
        }
    )
    body = _jira_body("PHX-1", "10001", 1)
    decoded: list[object] = []
    loads = json.loads

    def counted(text: str | bytes, **kwargs: Any) -> Any:
        if text == body:
            decoded.append(text)
        return loads(text, **kwargs)

    monkeypatch.setattr(json, "loads", counted)
    settings = Settings(database_url=store_url, data_dir=tmp_path)
    with TestClient(create_app(settings, config, with_worker=False)) as client:
        resp = _post(client, body, "delivery-1")
    assert (resp.status_code, resp.json()["status"]) == (202, "pending")
    assert decoded == [body]


def test_the_demos_unsigned_webhooks_are_information_not_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """`make run` (the demo) takes unsigned webhooks on purpose: one INFO line a source."""
    from app.routes.hooks import warn_unsigned

    scenario = generate_art(3, 30, teams=3)
    config = TrainyardConfig.model_validate(
        {
            "arts": [{"name": scenario.art, "teams": [{"name": t} for t in TEAMS]}],
            "sources": [
                jira_source(
                    "demo-jira", "http://127.0.0.1:9", scenario, TEAMS, webhook_allow_unsigned=True
                ),
            ],
        }
    )
    with caplog.at_level(logging.INFO, logger="app.routes.hooks"):
        warn_unsigned(config, demo=True)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "INFO",
            "demo source 'demo-jira' accepts unsigned webhooks, so they can be tried without a "
            "secret; a real source sets webhook_secret_env",
        )
    ]
