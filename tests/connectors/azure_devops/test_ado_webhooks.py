"""Service hook deliveries: the documented samples, verification by Basic auth or header."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest

from art.config import SourceConfig
from art.errors import BadPayload, WebhookRejected
from art.records import Deletion
from connectors.azure_devops.webhooks import parse, verify

from .conftest import HOOK_SAMPLES, SECRET_ENV


def body(name: str) -> bytes:
    return (HOOK_SAMPLES / f"{name}.json").read_bytes()


def source(username: str | None = "trainyard", **scope: Any) -> SourceConfig:
    """The samples' project (FabrikamCloud), or the scope given."""
    os.environ[SECRET_ENV] = "s3cret"
    return SourceConfig(
        name="ado",
        kind="azure-devops",
        url="https://dev.azure.com/fabrikam",
        art="ART",
        token_env="X",
        webhook_secret_env=SECRET_ENV,
        webhook_username=username,
        **{"project": "FabrikamCloud", **scope},
    )


SAMPLES = source()


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_updated_event_refetches_the_work_item_not_the_update() -> None:
    event = parse({}, body("workitem.updated"), SAMPLES)
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
    assert parse({}, json.dumps(data).encode(), SAMPLES).refetch == ["42"]


def test_created_and_deleted_events() -> None:
    created = parse({}, body("workitem.created"), SAMPLES)
    assert (created.delivery_id, created.item_key, created.revision, created.refetch) == (
        "d2d46fb1-dba5-403c-9373-427583f19e8c",
        "5",
        1,
        ["5"],
    )
    deleted = parse({}, body("workitem.deleted"), SAMPLES)
    assert (deleted.delivery_id, deleted.item_key, deleted.refetch) == (
        "72da0ade-0709-40ee-beb7-104287bf7e84",
        "5",
        [],
    )
    assert deleted.batch.deletions == [Deletion("5")]


def test_other_events_carry_nothing() -> None:
    event = parse(
        {}, json.dumps({"id": "e1", "eventType": "git.push", "resource": {}}).encode(), SAMPLES
    )
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
        parse({}, raw, SAMPLES)


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
    with pytest.raises(WebhookRejected) as refused:
        verify(src, {"X-Trainyard-Secret": "anything"})
    assert str(refused.value) == (
        "source 'ado': no webhook_secret_env is configured, so Azure DevOps deliveries cannot "
        "be verified (set webhook_secret_env, or webhook_allow_unsigned = true to accept them "
        "unverified)"
    )


def test_a_source_that_allows_unverified_deliveries_takes_them() -> None:
    src = SourceConfig(
        name="ado",
        kind="azure-devops",
        url="https://dev.azure.com/f",
        art="A",
        project="P",
        webhook_allow_unsigned=True,
    )
    verify(src, {})


def test_with_a_secret_allowing_unverified_deliveries_changes_nothing() -> None:
    with pytest.raises(WebhookRejected, match="carries neither the Basic credentials"):
        verify(source(webhook_allow_unsigned=True), {})


@pytest.mark.parametrize(
    ("scope", "reason"),
    [
        (
            {"project": "Orion"},
            "work item 5 is in project 'FabrikamCloud', which source 'ado' does not read "
            "(it reads 'Orion')",
        ),
        (
            {"area_paths": ["FabrikamCloud\\Red", "FabrikamCloud\\Blue"]},
            "work item 5 is in area path 'FabrikamCloud', outside the area paths source 'ado' "
            "reads (FabrikamCloud\\Red, FabrikamCloud\\Blue)",
        ),
        (
            {"levels": {"User Story": "story", "Feature": "feature"}},
            "work item 5 is a 'Bug', a type source 'ado' does not read",
        ),
    ],
    ids=["project", "area-path", "type"],
)
@pytest.mark.parametrize("name", ["workitem.created", "workitem.updated", "workitem.deleted"])
def test_an_item_outside_the_scope_is_out_of_scope(
    name: str, scope: dict[str, Any], reason: str
) -> None:
    event = parse({}, body(name), source(**scope))
    assert (event.item_key, event.out_of_scope, event.refetch) == ("5", reason, [])
    assert event.batch.deletions == [Deletion("5")]  # applied only if the store holds it


@pytest.mark.parametrize(
    "scope",
    [
        {},
        {"project": "fabrikamcloud"},  # project names are case-insensitive
        {"area_paths": ["FabrikamCloud"]},
        {"area_paths": ["fabrikamcloud"]},
        {"levels": {"Feature": "feature"}, "wiql": "[System.Tags] CONTAINS 'art'"},
    ],
    ids=["project", "project-case", "area", "area-case", "wiql-decides-types"],
)
@pytest.mark.parametrize("name", ["workitem.created", "workitem.updated", "workitem.deleted"])
def test_an_item_inside_the_scope_is_not_out_of_scope(name: str, scope: dict[str, Any]) -> None:
    assert parse({}, body(name), source(**scope)).out_of_scope is None


def test_an_area_path_is_under_an_area_only_below_a_backslash() -> None:
    data = json.loads(body("workitem.created"))
    data["resource"]["fields"]["System.AreaPath"] = "FabrikamCloud\\Redwood"
    event = parse({}, json.dumps(data).encode(), source(area_paths=["FabrikamCloud\\Red"]))
    assert event.out_of_scope == (
        "work item 5 is in area path 'FabrikamCloud\\Redwood', outside the area paths source "
        "'ado' reads (FabrikamCloud\\Red)"
    )


def test_without_fields_the_scope_is_left_to_the_fetch() -> None:
    data = json.loads(body("workitem.updated"))
    del data["resource"]["revision"]  # resourceDetailsToSend = minimal
    data["resource"]["workItemId"] = 5
    assert parse({}, json.dumps(data).encode(), source(project="Orion")).out_of_scope is None


def test_a_work_item_id_beyond_32_bits_is_bad_payload() -> None:
    data = json.loads(body("workitem.created"))
    data["resource"]["id"] = 10**30
    with pytest.raises(BadPayload) as bad:
        parse({}, json.dumps(data).encode(), SAMPLES)
    assert str(bad.value) == (
        "workitem.created delivery: work item id 1000000000000000000000000000000 is out of range"
    )
