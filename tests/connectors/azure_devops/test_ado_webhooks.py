"""Service hook deliveries: the documented samples, verification by Basic auth or header."""

from __future__ import annotations

import base64
import json
import os

import pytest

from art.config import SourceConfig
from art.errors import BadPayload, WebhookRejected
from art.records import Deletion
from connectors.azure_devops.webhooks import parse, verify

from .conftest import HOOK_SAMPLES, SECRET_ENV


def body(name: str) -> bytes:
    return (HOOK_SAMPLES / f"{name}.json").read_bytes()


def source(username: str | None = "trainyard") -> SourceConfig:
    os.environ[SECRET_ENV] = "s3cret"
    return SourceConfig(
        name="ado",
        kind="azure-devops",
        url="https://dev.azure.com/fabrikam",
        art="ART",
        project="Fabrikam",
        token_env="X",
        webhook_secret_env=SECRET_ENV,
        webhook_username=username,
    )


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_updated_event_refetches_the_work_item_not_the_update() -> None:
    event = parse({}, body("workitem.updated"))
    # resource.id (2) is the update number; workItemId is 0 in the docs sample, so the
    # item comes from resource.revision.id.
    assert (event.delivery_id, event.event_type, event.item_key, event.revision, event.refetch) == (
        "27646e0e-b520-4d2b-9411-bba7524947cd",
        "workitem.updated",
        "5",
        2,
        ["5"],
    )
    assert event.batch.is_empty()


def test_updated_event_prefers_work_item_id() -> None:
    data = json.loads(body("workitem.updated"))
    data["resource"]["workItemId"] = 42
    assert parse({}, json.dumps(data).encode()).refetch == ["42"]


def test_created_and_deleted_events() -> None:
    created = parse({}, body("workitem.created"))
    assert (created.delivery_id, created.item_key, created.revision, created.refetch) == (
        "d2d46fb1-dba5-403c-9373-427583f19e8c",
        "5",
        1,
        ["5"],
    )
    deleted = parse({}, body("workitem.deleted"))
    assert (deleted.delivery_id, deleted.item_key, deleted.refetch) == (
        "72da0ade-0709-40ee-beb7-104287bf7e84",
        "5",
        [],
    )
    assert deleted.batch.deletions == [Deletion("5")]


def test_other_events_carry_nothing() -> None:
    event = parse({}, json.dumps({"id": "e1", "eventType": "git.push", "resource": {}}).encode())
    assert (event.item_key, event.refetch, event.batch.is_empty()) == (None, [], True)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"eventType": "workitem.created"}',
        b'{"id": "x", "eventType": "workitem.updated", "resource": {}}',
    ],
)
def test_malformed_deliveries(raw: bytes) -> None:
    with pytest.raises(BadPayload):
        parse({}, raw)


def test_verify_basic_auth_or_shared_header() -> None:
    verify(source(), basic("trainyard", "s3cret"))
    verify(source(), {"X-Trainyard-Secret": "s3cret"})
    verify(source(username=None), basic("anyone", "s3cret"))
    for headers in (
        basic("trainyard", "wrong"),
        basic("intruder", "s3cret"),
        {"X-Trainyard-Secret": "nope"},
        {},
        {"Authorization": "Basic !!"},
    ):
        with pytest.raises(WebhookRejected):
            verify(source(), headers)


def test_verify_without_a_configured_secret_rejects() -> None:
    src = SourceConfig(
        name="ado", kind="azure-devops", url="https://dev.azure.com/f", art="A", project="P"
    )
    with pytest.raises(WebhookRejected, match="no webhook_secret_env is configured"):
        verify(src, {"X-Trainyard-Secret": "anything"})
