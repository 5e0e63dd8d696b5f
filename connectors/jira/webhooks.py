"""Jira webhooks: signature check and what a delivery means for the ART model.

Admin webhooks with a secret carry ``X-Hub-Signature: sha256=<hex HMAC of the raw body>``;
a source without ``webhook_secret_env`` refuses every delivery unless it says
``webhook_allow_unsigned = true``.
An issue event carries only the change that fired it, so it asks for the issue to be fetched
again; a deletion is final; link events carry numeric issue ids only (no keys); sprint events
carry the sprint. Retried deliveries keep their ``X-Atlassian-Webhook-Identifier``; without
it the delivery id is built from the event, the object id, the timestamp and the changelog id.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from typing import Any

from art.config import PIConfig, SourceConfig
from art.errors import BadPayload, WebhookRejected
from art.records import Deletion, RecordBatch
from connectors.base import WebhookEvent, webhook_json
from connectors.jira.sprints import SprintIndex, sprint_record


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name (a plain dict of headers is case-sensitive)."""
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def sign(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature`` value Jira sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(headers: Mapping[str, str], body: bytes, config: SourceConfig) -> None:
    """Raise WebhookRejected unless ``body`` is signed with the source's webhook secret.

    Without a secret nothing can be checked: refused, unless the source accepts unsigned
    deliveries (``webhook_allow_unsigned``)."""
    secret, source = config.secret("webhook_secret_env"), config.name
    if not secret:  # an empty secret is no secret: anyone can compute its HMAC
        if config.webhook_allow_unsigned:
            return
        raise WebhookRejected(
            f"source '{source}': no webhook_secret_env is configured, so deliveries cannot "
            "be verified (set webhook_secret_env, or webhook_allow_unsigned = true to accept "
            "unsigned deliveries)"
        )
    sent = header(headers, "X-Hub-Signature")
    if not sent:
        raise WebhookRejected(
            f"source '{source}': the delivery has no X-Hub-Signature header, "
            "but a webhook secret is configured"
        )
    algorithm, _, digest = sent.strip().partition("=")
    if algorithm.lower() != "sha256" or not digest:
        raise WebhookRejected(
            f"source '{source}': unsupported signature {sent[:20]!r} (expected sha256=<hex>)"
        )
    if not hmac.compare_digest(sign(body, secret), f"sha256={digest.lower()}"):
        raise WebhookRejected(
            f"source '{source}': the X-Hub-Signature does not match the body "
            "(wrong secret, or the body was altered)"
        )


def _revision(stamp: Any, event: str) -> int | None:
    """Jira's ``timestamp`` (epoch milliseconds) orders an issue's deliveries."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    if not math.isfinite(stamp):  # 1e400 parses as infinity
        raise BadPayload(f"Jira webhook {event}: the timestamp {stamp} is not a finite number")
    return int(stamp)


def out_of_scope(issue: Mapping[str, Any], key: str, source: SourceConfig) -> str | None:
    """Why ``issue`` is not one the source reads (its project is not in ``projects``); None
    when it is, or when the source's scope is a JQL filter only (not decidable here)."""
    if not source.projects:
        return None
    fields = issue.get("fields")
    project = fields.get("project") if isinstance(fields, dict) else None
    named = project if isinstance(project, dict) else {}
    names = {str(named[k]) for k in ("key", "name", "id") if named.get(k) is not None}
    prefix = key.rpartition("-")[0]
    shown = str(named.get("key") or prefix)
    if not shown:
        return None  # no project to judge by: the fetch will tell
    if {n.casefold() for n in names or {prefix}} & {p.casefold() for p in source.projects}:
        return None
    return (
        f"issue {key} is in project {shown}, which source '{source.name}' does not read "
        f"(it reads {', '.join(source.projects)})"
    )


def _object(data: dict[str, Any], name: str, event: str) -> dict[str, Any]:
    value = data.get(name)
    if not isinstance(value, dict):
        raise BadPayload(f"Jira webhook {event}: no '{name}' object")
    return value


def parse_webhook(
    headers: Mapping[str, str],
    body: bytes,
    source: SourceConfig,
    pis: list[PIConfig] | None = None,
    sprints: SprintIndex | None = None,
) -> WebhookEvent:
    """What one delivery says; BadPayload when the body is not a Jira webhook."""
    data = webhook_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("webhookEvent"), str):
        raise BadPayload("Jira webhook: no webhookEvent")
    event, stamp = str(data["webhookEvent"]), data.get("timestamp")
    revision = _revision(stamp, event)
    subject = data.get("issue") or data.get("issueLink") or data.get("sprint") or {}
    delivery = header(headers, "X-Atlassian-Webhook-Identifier") or ":".join(
        str(x)
        for x in (
            event,
            (subject or {}).get("id", ""),
            stamp or "",
            (data.get("changelog") or {}).get("id", ""),
        )
    )
    if event.startswith("jira:issue_"):
        issue = _object(data, "issue", event)
        key = issue.get("key")
        if not isinstance(key, str):
            raise BadPayload(f"Jira webhook {event}: the issue has no key")
        ids = [str(issue["id"])] if issue.get("id") is not None else []
        outside = out_of_scope(issue, key, source)
        if event == "jira:issue_deleted" or outside:
            return WebhookEvent(
                delivery_id=delivery,
                event_type=event,
                item_key=key,
                batch=RecordBatch(deletions=[Deletion(key)]),
                revision=revision,
                tracker_ids=ids,
                out_of_scope=outside,
            )
        return WebhookEvent(
            delivery_id=delivery,
            event_type=event,
            item_key=key,
            refetch=[key],
            revision=revision,
            tracker_ids=ids,
        )
    if event in ("issuelink_created", "issuelink_deleted"):
        link = _object(data, "issueLink", event)
        try:
            ids = [str(link["sourceIssueId"]), str(link["destinationIssueId"])]
        except KeyError:
            raise BadPayload(f"Jira webhook {event}: the link has no issue ids") from None
        return WebhookEvent(
            delivery_id=delivery,
            event_type=event,
            item_key=None,
            revision=revision,
            tracker_ids=ids,
        )
    if event.startswith("sprint_"):
        sprint = _object(data, "sprint", event)
        batch = RecordBatch()
        if event != "sprint_deleted":
            board = str(sprint.get("originBoardId", ""))
            team = sprints.board_teams.get(board) if sprints else None
            try:
                batch.iterations.append(sprint_record(sprint, source, pis or [], team))
            except (KeyError, ValueError) as exc:
                raise BadPayload(f"Jira webhook {event}: unreadable sprint ({exc})") from None
        return WebhookEvent(
            delivery_id=delivery, event_type=event, item_key=None, batch=batch, revision=revision
        )
    return WebhookEvent(delivery_id=delivery, event_type=event, item_key=None, revision=revision)
