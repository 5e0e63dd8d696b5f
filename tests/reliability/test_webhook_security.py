"""Webhooks in under attack, beyond tests/app/test_webhooks_in.py: replays, oversized bodies with
and without Content-Length, content types, broken JSON, missing or malformed signatures, and
Azure DevOps Basic credentials. Each gets the right 4xx and nothing is stored that should not
be; a replayed delivery is stored and applied once."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.demo import ENV, ado_source, jira_source
from app.main import create_app
from app.settings import Settings
from art.config import TrainyardConfig
from art.db import upgrade
from art.models import InboxEvent, WorkItem
from connectors.jira.webhooks import sign
from simulators.azure_devops import create_ado_simulator
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator, sim_of
from simulators.server import serve
from sync.runner import PullRunner
from tests.conftest import BACKENDS, PG_URL, drop_pg_database, pg_database
from tests.reliability.support import JIRA_USERS

SECRET = "reliability-hook-secret"
LIMIT = 64 * 1024  # TRAINYARD_WEBHOOK_MAX_BODY_BYTES of these tests
SCENARIO = generate_art(3, 90, teams=3)
TEAMS = list(SCENARIO.teams)


@dataclass
class Hooks:
    client: TestClient
    jira_sim: Any

    def inbox(self) -> list[tuple[str, str]]:
        with self.client.app.state.trainyard.sessions() as s:  # type: ignore[attr-defined]
            rows = s.execute(
                select(InboxEvent.delivery_id, InboxEvent.status).order_by(InboxEvent.id)
            )
            return [(d, st) for d, st in rows]

    def story(self) -> tuple[str, str]:
        with self.client.app.state.trainyard.sessions() as s:  # type: ignore[attr-defined]
            row = s.execute(
                select(WorkItem.key, WorkItem.tracker_id)
                .where(WorkItem.level == "story", WorkItem.status_category == "todo")
                .order_by(WorkItem.key)
            ).first()
        assert row is not None
        return row[0], row[1]

    def status(self, key: str) -> str | None:
        with self.client.app.state.trainyard.sessions() as s:  # type: ignore[attr-defined]
            status: str | None = s.scalar(select(WorkItem.status).where(WorkItem.key == key))
            return status


@pytest.fixture(scope="module", params=BACKENDS)
def hooks(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hooks]:
    """The service with a Jira and an Azure DevOps source (both with webhook secrets), the
    Jira one pulled once, and a 64 KiB webhook body limit; one per backend for the module."""
    tmp = tmp_path_factory.mktemp("hooks")
    pg_name = None
    if request.param == "sqlite":
        store_url = f"sqlite:///{tmp / 'store.db'}"
        upgrade(store_url)
    elif PG_URL is None:
        pytest.skip("TRAINYARD_TEST_POSTGRES_URL is not set")
    else:
        store_url, pg_name = pg_database()
    jira_sim = create_jira_simulator(SCENARIO, users=JIRA_USERS)
    ado_sim = create_ado_simulator(
        SCENARIO, org="acme", project=SCENARIO.art, pat=ENV["TRAINYARD_DEMO_ADO_PAT"]
    )
    with (
        pytest.MonkeyPatch.context() as mp,
        serve(jira_sim) as jira_url,
        serve(ado_sim) as ado_url,
    ):
        for name, value in {**ENV, "HOOK_SECRET": SECRET}.items():
            mp.setenv(name, value)
        config = TrainyardConfig.model_validate(
            {
                "arts": [{"name": SCENARIO.art, "teams": [{"name": t} for t in TEAMS]}],
                "sources": [
                    jira_source(
                        "jira", jira_url, SCENARIO, TEAMS, webhook_secret_env="HOOK_SECRET"
                    ),
                    ado_source(
                        "ado",
                        ado_url,
                        "acme",
                        SCENARIO,
                        TEAMS,
                        webhook_username="trainyard",
                        webhook_secret_env="HOOK_SECRET",
                    ),
                ],
            }
        )
        settings = Settings(
            database_url=store_url,
            scheduler=False,
            data_dir=tmp,
            webhook_max_body_bytes=LIMIT,
        )
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            PullRunner(state.sessions, config, config.source("jira")).run()
            yield Hooks(client, jira_sim)
    if pg_name is not None:
        drop_pg_database(pg_name)


Stored = Callable[[], list[tuple[str, str]]]


@pytest.fixture
def stored(hooks: Hooks) -> Iterator[Callable[[], list[tuple[str, str]]]]:
    """The deliveries this test stored, with their status (the app serves the whole module)."""
    before = len(hooks.inbox())
    yield lambda: hooks.inbox()[before:]


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def jira_body(key: str, issue_id: str, stamp: int, pad: int = 0) -> bytes:
    body = {
        "timestamp": stamp,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": {"id": issue_id, "key": key, "fields": {}},
        "changelog": {"id": str(stamp), "items": [{"field": "status", "toString": "Done"}]},
    }
    if pad:
        body["pad"] = ""
        body["pad"] = "x" * (pad - len(json.dumps(body).encode()))
    return json.dumps(body).encode()


def post_jira(
    hooks: Hooks, body: Any, signature: str | None, headers: dict[str, str] | None = None
) -> Any:
    sent = {"Content-Type": "application/json"}
    if signature is not None:
        sent["X-Hub-Signature"] = signature
    return hooks.client.post("/hooks/jira/jira", content=body, headers={**sent, **(headers or {})})


def problem_of(resp: Any) -> tuple[int, str, str]:
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    return resp.status_code, body["title"], body["detail"]


# -- replays ----------------------------------------------------------------------------------
def test_a_replayed_delivery_is_stored_and_applied_once(hooks: Hooks, stored: Stored) -> None:
    key, issue_id = hooks.story()
    sim_of(hooks.jira_sim).change(key, "status", "Done")
    body = jira_body(key, issue_id, 1_767_000_000_000)
    signature = sign(body, SECRET)
    first = post_jira(hooks, body, signature, {"X-Atlassian-Webhook-Identifier": "d-1"})
    assert (first.status_code, first.json()["duplicate"]) == (202, False)
    wait_for(lambda: stored() == [("d-1", "applied")])
    assert hooks.status(key) == "Done"
    requests = sim_of(hooks.jira_sim).log.total

    # later: the very same request again, then with a forged and with no delivery identifier
    again = post_jira(hooks, body, signature, {"X-Atlassian-Webhook-Identifier": "d-1"})
    assert (again.status_code, again.json()["duplicate"]) == (202, True)
    forged = post_jira(hooks, body, signature, {"X-Atlassian-Webhook-Identifier": "d-forged"})
    bare = post_jira(hooks, body, signature)
    assert (forged.status_code, bare.status_code) == (202, 202)
    derived = f"jira:issue_updated:{issue_id}:1767000000000:1767000000000"
    wait_for(lambda: all(status != "pending" for _, status in stored()))
    # stored once as a delivery; the copies under other ids are recognised, never re-applied
    assert stored() == [("d-1", "applied"), ("d-forged", "duplicate"), (derived, "duplicate")]
    assert sim_of(hooks.jira_sim).log.total == requests  # nothing fetched again for them
    assert hooks.status(key) == "Done"


# -- oversized bodies -------------------------------------------------------------------------
def _chunks(body: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_of_the_limit_is_taken_one_byte_more_is_413(
    hooks: Hooks, stored: Stored, framing: str
) -> None:
    key, issue_id = hooks.story()

    def send(body: bytes, delivery: str) -> Any:
        content: bytes | Iterator[bytes] = body if framing == "content-length" else _chunks(body)
        return post_jira(
            hooks, content, sign(body, SECRET), {"X-Atlassian-Webhook-Identifier": delivery}
        )

    too_big = send(jira_body(key, issue_id, 2, pad=LIMIT + 1), f"d-too-big-{framing}")
    assert problem_of(too_big) == (
        413,
        "Payload too large",
        f"webhook bodies are limited to {LIMIT} bytes",
    )
    assert stored() == []
    at_limit = send(jira_body(key, issue_id, 3, pad=LIMIT), f"d-at-limit-{framing}")
    assert (at_limit.status_code, at_limit.json()["duplicate"]) == (202, False)
    assert [d for d, _ in stored()] == [f"d-at-limit-{framing}"]


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(
    hooks: Hooks, stored: Stored
) -> None:
    """Without Content-Length the body is read only up to the limit, not to its end."""
    chunk = b" " * 16384
    served = 0

    async def receive() -> dict[str, Any]:
        nonlocal served
        served += 1
        return {"type": "http.request", "body": chunk, "more_body": served < 10_000}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/hooks/jira/jira",
        "raw_path": b"/hooks/jira/jira",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(hooks.client.app(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413
    assert served == LIMIT // len(chunk) + 1  # 10,000 offered: 5 read
    assert stored() == []


# -- content types and JSON -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("ctype", "named"),
    [
        (None, "none"),
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("multipart/form-data; boundary=xyz", "multipart/form-data"),
        ("application/xml", "application/xml"),
        ("text/json", "text/json"),
        ("application/jsonp", "application/jsonp"),
    ],
)
def test_a_body_that_is_not_application_json_is_415(
    hooks: Hooks, stored: Stored, ctype: str | None, named: str
) -> None:
    key, issue_id = hooks.story()
    body = jira_body(key, issue_id, 4)
    headers = {"X-Hub-Signature": sign(body, SECRET)}
    if ctype is not None:
        headers["Content-Type"] = ctype
    resp = hooks.client.post("/hooks/jira/jira", content=body, headers=headers)
    assert problem_of(resp) == (
        415,
        "Unsupported media type",
        f"webhook bodies must be application/json, got '{named}'",
    )
    assert stored() == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"webhookEvent": }',
        b'{"a": 1} trailing',
        b"\xff\xfe\x00garbage",
        b"[" * 50_000,  # nested too deep for the parser (was a 500)
        b'{"a": "\x00"}',
    ],
    ids=["empty", "unclosed", "no-value", "trailing", "not-utf", "deeply-nested", "raw-nul"],
)
def test_a_body_that_is_not_json_is_400(hooks: Hooks, stored: Stored, body: bytes) -> None:
    resp = post_jira(hooks, body, sign(body, SECRET))
    status, title, detail = problem_of(resp)
    assert (status, title) == (400, "Invalid JSON")
    assert detail.startswith("the webhook body is not valid JSON: ")
    assert stored() == []


# -- signatures -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("signature", "detail"),
    [
        (
            None,
            "source 'jira': the delivery has no X-Hub-Signature header, "
            "but a webhook secret is configured",
        ),
        (
            "",
            "source 'jira': the delivery has no X-Hub-Signature header, "
            "but a webhook secret is configured",
        ),
        ("sha256=", "source 'jira': unsupported signature 'sha256=' (expected sha256=<hex>)"),
        (
            "sha1=0123456789abcdef0123456789abcdef01234567",
            "source 'jira': unsupported signature 'sha1=0123456789abcde' (expected sha256=<hex>)",
        ),
        ("deadbeef", "source 'jira': unsupported signature 'deadbeef' (expected sha256=<hex>)"),
        (
            "sha256=" + "0" * 64,
            "source 'jira': the X-Hub-Signature does not match the body "
            "(wrong secret, or the body was altered)",
        ),
    ],
    ids=["missing", "empty", "no-digest", "sha1", "no-algorithm", "zeros"],
)
def test_a_missing_or_malformed_signature_is_401(
    hooks: Hooks, stored: Stored, signature: str | None, detail: str
) -> None:
    key, issue_id = hooks.story()
    resp = post_jira(hooks, jira_body(key, issue_id, 5), signature)
    assert problem_of(resp) == (401, "Webhook rejected", detail)
    assert stored() == []


def test_a_signature_of_another_body_does_not_carry_over(hooks: Hooks, stored: Stored) -> None:
    key, issue_id = hooks.story()
    signed = jira_body(key, issue_id, 6)
    altered = signed.replace(b'"toString": "Done"', b'"toString": "Won\'t Do"')
    resp = post_jira(hooks, altered, sign(signed, SECRET))
    assert problem_of(resp)[0] == 401
    assert stored() == []


# -- Azure DevOps credentials -----------------------------------------------------------------
def _basic(credentials: bytes) -> str:
    return "Basic " + base64.b64encode(credentials).decode()


def ado_body(item: int, delivery: str = "2f7a5c1e-0000-4000-8000-0000000000aa") -> bytes:
    return json.dumps(
        {
            "id": delivery,
            "eventType": "workitem.updated",
            "publisherId": "tfs",
            "resourceVersion": "1.0",
            "createdDate": "2026-03-04T10:00:00Z",
            "resource": {
                "id": 77,
                "workItemId": item,
                "rev": 2,
                "fields": {"System.State": {"oldValue": "New", "newValue": "Active"}},
                "revision": {"id": item, "rev": 2, "fields": {}},
            },
        }
    ).encode()


NEITHER = (
    "source 'ado': the delivery carries neither the Basic credentials nor the "
    "x-trainyard-secret header configured for it"
)


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, NEITHER),
        ({"Authorization": _basic(f"intruder:{SECRET}".encode())}, NEITHER),
        ({"Authorization": _basic(b"trainyard:wrong")}, NEITHER),
        ({"Authorization": _basic(b"trainyard:")}, NEITHER),
        ({"Authorization": _basic(b"trainyard")}, NEITHER),
        ({"Authorization": _basic(f"trainyard:{SECRET}x".encode())}, NEITHER),
        ({"Authorization": f"Bearer {SECRET}"}, NEITHER),
        ({"Authorization": "Basic not base64!"}, "malformed Basic credentials"),
        (
            {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
            ("malformed Basic credentials"),
        ),
        ({"X-Trainyard-Secret": "wrong"}, NEITHER),
    ],
    ids=[
        "missing",
        "wrong-user",
        "wrong-password",
        "empty-password",
        "no-colon",
        "longer-password",
        "bearer",
        "not-base64",
        "not-utf8",
        "wrong-shared-secret",
    ],
)
def test_azure_devops_deliveries_without_the_right_credentials_are_401(
    hooks: Hooks, stored: Stored, headers: dict[str, str], detail: str
) -> None:
    resp = hooks.client.post(
        "/hooks/azure-devops/ado",
        content=ado_body(3),
        headers={"Content-Type": "application/json", **headers},
    )
    assert problem_of(resp) == (401, "Webhook rejected", detail)
    assert stored() == []


@pytest.mark.parametrize(
    ("headers", "delivery"),
    [
        (
            {"Authorization": _basic(f"trainyard:{SECRET}".encode())},
            "2f7a5c1e-0000-4000-8000-0000000000b1",
        ),
        ({"X-Trainyard-Secret": SECRET}, "2f7a5c1e-0000-4000-8000-0000000000b2"),
    ],
    ids=["basic", "shared-secret"],
)
def test_azure_devops_deliveries_with_the_right_credentials_are_stored(
    hooks: Hooks, stored: Stored, headers: dict[str, str], delivery: str
) -> None:
    resp = hooks.client.post(
        "/hooks/azure-devops/ado",
        content=ado_body(3, delivery),
        headers={"Content-Type": "application/json", **headers},
    )
    assert (resp.status_code, resp.json()["duplicate"]) == (202, False)
    assert [d for d, _ in stored()] == [delivery]


def test_a_source_of_the_other_kind_is_404(hooks: Hooks, stored: Stored) -> None:
    resp = hooks.client.post(
        "/hooks/azure-devops/jira", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert problem_of(resp) == (
        404,
        "Not found",
        "no azure-devops source named 'jira' is configured",
    )
    assert stored() == []


# -- hostile values in validly signed deliveries ----------------------------------------------
def _jira_raw(
    stamp: str = "1767000000000", key: str = '"ATLAS-1"', event: str = '"jira:issue_updated"'
) -> bytes:
    """A Jira issue event written by hand, so values JSON encoders refuse can be sent."""
    return (
        f'{{"timestamp": {stamp}, "webhookEvent": {event}, '
        f'"issue": {{"id": "10001", "key": {key}, "fields": {{}}}}}}'
    ).encode()


def _ado_raw(
    rev: str = "2", item: str = "3", event: str = '"workitem.updated"', delivery: str = '"e-1"'
) -> bytes:
    return (
        f'{{"id": {delivery}, "eventType": {event}, "resource": {{"id": 77, '
        f'"workItemId": {item}, "rev": {rev}, "revision": {{"id": 3, "rev": 1, "fields": {{}}}}}}}}'
    ).encode()


BIG = str(10**30)
HOSTILE = [
    (
        "jira",
        _jira_raw(stamp="1e400"),
        "Jira webhook jira:issue_updated: the timestamp inf is not a finite number",
    ),
    ("jira", _jira_raw(stamp=BIG), f"the revision {BIG} does not fit a 64-bit integer"),
    (
        "jira",
        _jira_raw(key='"ATLAS-\\ud800"'),
        "the item key 'ATLAS-\\ud800' is not valid Unicode (a lone surrogate)",
    ),
    (
        "jira",
        _jira_raw(key='"ATLAS-\\u0000"'),
        "the item key 'ATLAS-\\x00' contains a NUL character",
    ),
    (
        "jira",
        _jira_raw(key='"ATLAS-' + "1" * 150 + '"'),
        "the item key is 156 characters long; the inbox keeps at most 100",
    ),
    (
        "jira",
        _jira_raw(event='"jira:issue_' + "x" * 100 + '"'),
        "the event type is 111 characters long; the inbox keeps at most 100",
    ),
    ("ado", _ado_raw(rev=BIG), f"the revision {BIG} does not fit a 64-bit integer"),
    ("ado", _ado_raw(item=BIG), f"workitem.updated delivery: work item id {BIG} is out of range"),
    (
        "ado",
        _ado_raw(event='"workitem.updated\\u0000"'),
        "the event type 'workitem.updated\\x00' contains a NUL character",
    ),
    (
        "ado",
        _ado_raw(delivery='"e-\\udc00"'),
        "the delivery id 'e-\\udc00' is not valid Unicode (a lone surrogate)",
    ),
]


def _post_signed(hooks: Hooks, tracker: str, body: bytes) -> Any:
    if tracker == "jira":
        return post_jira(hooks, body, sign(body, SECRET))
    return hooks.client.post(
        "/hooks/azure-devops/ado",
        content=body,
        headers={"Content-Type": "application/json", "X-Trainyard-Secret": SECRET},
    )


def _errors(hooks: Hooks, deliveries: list[str]) -> list[tuple[str, str, str | None]]:
    with hooks.client.app.state.trainyard.sessions() as s:  # type: ignore[attr-defined]
        rows = s.execute(
            select(InboxEvent.delivery_id, InboxEvent.status, InboxEvent.error)
            .where(InboxEvent.delivery_id.in_(deliveries))
            .order_by(InboxEvent.id)
        )
        return [(d, st, e) for d, st, e in rows]


@pytest.mark.parametrize(
    ("tracker", "body", "error"),
    HOSTILE,
    ids=[
        "jira-timestamp-1e400",
        "jira-timestamp-10**30",
        "jira-key-lone-surrogate",
        "jira-key-nul",
        "jira-key-too-long",
        "jira-event-type-too-long",
        "ado-rev-10**30",
        "ado-work-item-id-10**30",
        "ado-event-type-nul",
        "ado-delivery-id-lone-surrogate",
    ],
)
def test_hostile_values_are_kept_failed_with_the_reason_never_500(
    hooks: Hooks, stored: Stored, tracker: str, body: bytes, error: str
) -> None:
    resp = _post_signed(hooks, tracker, body)
    assert resp.status_code == 202
    assert (resp.json()["status"], resp.json()["duplicate"]) == ("failed", False)
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    assert stored() == [(digest, "failed")]
    assert _errors(hooks, [digest]) == [(digest, "failed", error)]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("tracker", ["jira", "ado"])
def test_nan_and_infinity_are_not_json_and_get_400(
    hooks: Hooks, stored: Stored, tracker: str, constant: str
) -> None:
    body = _jira_raw(stamp=constant) if tracker == "jira" else _ado_raw(rev=constant)
    resp = _post_signed(hooks, tracker, body)
    assert problem_of(resp) == (
        400,
        "Invalid JSON",
        f"the webhook body is not valid JSON: {constant} is not a JSON value",
    )
    assert stored() == []
