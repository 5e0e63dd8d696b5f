"""Webhook signature checks and parsing on real Jira Cloud deliveries (Pinpoint's captures)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from jira_support import sample_bytes

from art.config import SourceConfig
from art.errors import BadPayload, WebhookRejected
from art.records import Deletion, IterationRecord
from connectors.jira.connector import JiraConnector
from connectors.jira.webhooks import sign


@pytest.fixture
def connector() -> JiraConnector:
    source = SourceConfig(
        name="jira",
        kind="jira",
        url="https://pinpt-hq.atlassian.net",
        art="A",
        email_env="JIRA_EMAIL",
        token_env="JIRA_TOKEN",
        webhook_secret_env="JIRA_HOOK_SECRET",
    )
    return JiraConnector(source, [])


def test_a_signed_delivery_is_accepted(connector: JiraConnector) -> None:
    body = sample_bytes("jira_issue_updated.json")
    connector.verify_webhook({"x-hub-signature": sign(body, "s3cret")}, body)  # any case
    connector.verify_webhook(
        {"X-Hub-Signature": sign(body, "s3cret").upper().replace("SHA256", "sha256")}, body
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "has no X-Hub-Signature header"),
        ({"X-Hub-Signature": "sha1=abc"}, "unsupported signature"),
        ({"X-Hub-Signature": "sha256=" + "0" * 64}, "does not match the body"),
    ],
)
def test_a_bad_signature_is_rejected(
    connector: JiraConnector, headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(WebhookRejected, match=reason):
        connector.verify_webhook(headers, sample_bytes("jira_issue_updated.json"))


def test_a_changed_body_breaks_the_signature(connector: JiraConnector) -> None:
    body = sample_bytes("jira_issue_created.json")
    with pytest.raises(WebhookRejected):
        connector.verify_webhook({"X-Hub-Signature": sign(body, "s3cret")}, body + b" ")


UNVERIFIABLE = (
    "source 'jira': no webhook_secret_env is configured, so deliveries cannot be verified "
    "(set webhook_secret_env, or webhook_allow_unsigned = true to accept unsigned deliveries)"
)


@pytest.mark.parametrize(
    "headers", [{}, {"X-Hub-Signature": sign(b"{}", "anything")}], ids=["unsigned", "signed"]
)
def test_without_a_secret_every_delivery_is_refused(headers: dict[str, str]) -> None:
    source = SourceConfig(name="jira", kind="jira", url="https://x", art="A")
    with pytest.raises(WebhookRejected) as refused:
        JiraConnector(source, []).verify_webhook(headers, b"{}")
    assert str(refused.value) == UNVERIFIABLE


def test_an_empty_secret_is_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """An HMAC keyed with "" is one anyone can compute: the delivery is refused as unsigned."""
    monkeypatch.setenv("JIRA_HOOK_SECRET", "")
    source = SourceConfig(
        name="jira", kind="jira", url="https://x", art="A", webhook_secret_env="JIRA_HOOK_SECRET"
    )
    with pytest.raises(WebhookRejected) as refused:
        JiraConnector(source, []).verify_webhook({"X-Hub-Signature": sign(b"{}", "")}, b"{}")
    assert str(refused.value) == UNVERIFIABLE


def test_a_source_that_allows_unsigned_deliveries_takes_them() -> None:
    source = SourceConfig(
        name="jira", kind="jira", url="https://x", art="A", webhook_allow_unsigned=True
    )
    JiraConnector(source, []).verify_webhook({}, b"{}")


def test_with_a_secret_allowing_unsigned_deliveries_changes_nothing() -> None:
    source = SourceConfig(
        name="jira",
        kind="jira",
        url="https://x",
        art="A",
        webhook_secret_env="JIRA_HOOK_SECRET",
        webhook_allow_unsigned=True,
    )
    with pytest.raises(WebhookRejected, match="has no X-Hub-Signature header"):
        JiraConnector(source, []).verify_webhook({}, b"{}")


@pytest.mark.parametrize(
    ("name", "event", "key", "delivery", "revision"),
    [
        (
            "jira_issue_created.json",
            "jira:issue_created",
            "GOLD-189",
            "jira:issue_created:20942:1595886387039:103778",
            1595886387039,
        ),
        (
            "jira_issue_updated.json",
            "jira:issue_updated",
            "GOLD-137",
            "jira:issue_updated:20706:1594081625284:101821",
            1594081625284,
        ),
        (
            "jira_issue_updated.resolution.json",
            "jira:issue_updated",
            "TES-19",
            "jira:issue_updated:11924:1596506483154:104654",
            1596506483154,
        ),
        (
            "jira_issue_updated.sprint_ids.json",
            "jira:issue_updated",
            "GOLD-208",
            "jira:issue_updated:19518:1596508629814:104661",
            1596508629814,
        ),
    ],
)
def test_issue_events_ask_for_the_issue_again(
    connector: JiraConnector, name: str, event: str, key: str, delivery: str, revision: int
) -> None:
    parsed = connector.parse_webhook({}, sample_bytes(name))
    assert (
        parsed.event_type,
        parsed.item_key,
        parsed.refetch,
        parsed.delivery_id,
        parsed.revision,
    ) == (event, key, [key], delivery, revision)
    assert parsed.batch.is_empty()


def test_the_delivery_identifier_header_wins(connector: JiraConnector) -> None:
    parsed = connector.parse_webhook(
        {"X-Atlassian-Webhook-Identifier": "abc-123"}, sample_bytes("jira_issue_created.json")
    )
    assert parsed.delivery_id == "abc-123"


def test_a_deleted_issue_is_a_deletion(connector: JiraConnector) -> None:
    parsed = connector.parse_webhook({}, sample_bytes("jira_issue_deleted.json"))
    assert (parsed.item_key, parsed.refetch, parsed.tracker_ids) == ("TIGR-361", [], ["20733"])
    assert parsed.batch.deletions == [Deletion("TIGR-361")]
    assert parsed.delivery_id == "jira:issue_deleted:20733:1594081763632:"


@pytest.mark.parametrize("name", ["issuelink_created.json", "issuelink_deleted.json"])
def test_link_events_carry_issue_ids_only(connector: JiraConnector, name: str) -> None:
    parsed = connector.parse_webhook({}, sample_bytes(name))
    assert (parsed.event_type, parsed.item_key, parsed.tracker_ids, parsed.refetch) == (
        name.removesuffix(".json"),
        None,
        ["20192", "20734"],
        [],
    )


def test_sprint_events_carry_the_sprint(connector: JiraConnector) -> None:
    started = connector.parse_webhook({}, sample_bytes("sprint_started.json"))
    closed = connector.parse_webhook({}, sample_bytes("sprint_closed.json"))
    updated = connector.parse_webhook({}, sample_bytes("sprint_updated.json"))
    assert started.batch.iterations == [
        IterationRecord("192", "TSD Sprint 1", date(2020, 7, 7), date(2020, 7, 21), "active")
    ]
    assert closed.batch.iterations[0].completed_at == datetime(
        2020, 7, 7, 0, 37, 55, 692000, tzinfo=UTC
    )
    assert (updated.batch.iterations[0].name, updated.batch.iterations[0].end) == (
        "TES Sprint 2",
        date(2020, 8, 13),
    )
    assert closed.delivery_id == "sprint_closed:192:1594082275703:"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"timestamp": 1}',
        b'{"webhookEvent": "jira:issue_updated", "issue": {}}',
    ],
)
def test_a_malformed_delivery_is_bad_payload(connector: JiraConnector, body: bytes) -> None:
    with pytest.raises(BadPayload):
        connector.parse_webhook({}, body)


def _scoped(projects: list[str] | None = None, jql: str | None = None) -> JiraConnector:
    source = SourceConfig(
        name="jira", kind="jira", url="https://x", art="A", projects=projects or [], jql=jql
    )
    return JiraConnector(source, [])


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("jira_issue_updated.json", "GOLD-137"),
        ("jira_issue_created.json", "GOLD-189"),
        ("jira_issue_deleted.json", "TIGR-361"),
    ],
)
def test_an_issue_of_a_project_the_source_does_not_read_is_out_of_scope(
    name: str, key: str
) -> None:
    parsed = _scoped(projects=["BLUE", "RED"]).parse_webhook({}, sample_bytes(name))
    project = key.split("-")[0]
    assert (parsed.item_key, parsed.out_of_scope, parsed.refetch) == (
        key,
        f"issue {key} is in project {project}, which source 'jira' does not read "
        "(it reads BLUE, RED)",
        [],
    )
    assert parsed.batch.deletions == [Deletion(key)]  # applied only if the store holds it


@pytest.mark.parametrize(
    "scope",
    [
        {"projects": ["GOLD"]},
        {"projects": ["gold"]},  # JQL matches project keys in any case
        {"projects": ["Gold Miners"]},  # ...and by name
        {"projects": ["10639"]},  # ...and by id
        {"jql": "project = BLUE"},  # a JQL scope is not judged here: the fetch tells
    ],
    ids=["key", "lower-case", "name", "id", "jql"],
)
def test_an_issue_of_a_project_the_source_reads_is_in_scope(scope: dict[str, Any]) -> None:
    parsed = _scoped(**scope).parse_webhook({}, sample_bytes("jira_issue_updated.json"))
    assert (parsed.out_of_scope, parsed.refetch) == (None, ["GOLD-137"])


def test_without_the_project_field_the_key_tells_the_project() -> None:
    body = b'{"webhookEvent": "jira:issue_updated", "issue": {"id": "1", "key": "RED-4"}}'
    assert _scoped(projects=["RED"]).parse_webhook({}, body).out_of_scope is None
    assert _scoped(projects=["BLUE"]).parse_webhook({}, body).out_of_scope == (
        "issue RED-4 is in project RED, which source 'jira' does not read (it reads BLUE)"
    )


@pytest.mark.parametrize("stamp", ["1e400", "-1e400"])
def test_a_timestamp_that_is_not_a_finite_number_is_bad_payload(
    connector: JiraConnector, stamp: str
) -> None:
    body = sample_bytes("jira_issue_updated.json").replace(
        b'"timestamp": 1594081625284', b'"timestamp": ' + stamp.encode()
    )
    assert body != sample_bytes("jira_issue_updated.json")
    with pytest.raises(BadPayload) as bad:
        connector.parse_webhook({}, body)
    shown = "inf" if stamp == "1e400" else "-inf"
    assert str(bad.value) == (
        f"Jira webhook jira:issue_updated: the timestamp {shown} is not a finite number"
    )
