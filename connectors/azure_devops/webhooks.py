"""Azure DevOps service hook deliveries: verification and parsing.

Service hooks are not signed. The Web Hooks consumer can send Basic auth
(``basicAuthUsername`` / ``basicAuthPassword``) or extra headers (``httpHeaders``), so a
delivery is accepted when it carries the source's webhook secret either as the Basic password
(with ``webhook_username`` as user, when configured) or in ``X-Trainyard-Secret``.

A delivery is a "this item changed" signal: ``workitem.updated`` carries only the fields that
changed (and ``resource.id`` is the update number, not the item), so updated, created and
restored items are re-fetched; a deletion is applied from the body.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from typing import Any

from art.config import SourceConfig
from art.errors import BadPayload, WebhookRejected
from art.records import Deletion, RecordBatch
from connectors.base import WebhookEvent

SECRET_HEADER = "x-trainyard-secret"
REFETCH = {"workitem.created", "workitem.updated", "workitem.restored"}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def verify(source: SourceConfig, headers: Mapping[str, str]) -> None:
    """Raise WebhookRejected unless the delivery carries the configured secret."""
    secret = source.secret("webhook_secret_env")
    if not secret:
        raise WebhookRejected(
            f"source '{source.name}': no webhook_secret_env is configured, so "
            "Azure DevOps deliveries cannot be verified"
        )
    shared = _header(headers, SECRET_HEADER)
    if shared is not None and hmac.compare_digest(shared.encode(), secret.encode()):
        return
    scheme, _, value = (_header(headers, "authorization") or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise WebhookRejected("malformed Basic credentials") from None
        user_ok = source.webhook_username is None or hmac.compare_digest(
            user.encode(), source.webhook_username.encode()
        )
        if user_ok and hmac.compare_digest(password.encode(), secret.encode()):
            return
    raise WebhookRejected(
        f"source '{source.name}': the delivery carries neither the Basic "
        f"credentials nor the {SECRET_HEADER} header configured for it"
    )


def work_item_id(resource: Mapping[str, Any], event_type: str) -> int:
    """The work item a resource is about (``workItemId`` on updates, ``id`` otherwise)."""
    if event_type == "workitem.updated":
        candidates = [resource.get("workItemId"), (resource.get("revision") or {}).get("id")]
    else:
        candidates = [resource.get("id")]
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    raise BadPayload(f"{event_type} delivery without a work item id")


def parse(headers: Mapping[str, str], body: bytes) -> WebhookEvent:
    """One delivery -> what changed (deletions applied, other events re-fetched)."""
    try:
        envelope = json.loads(body)
    except ValueError:
        raise BadPayload("service hook body is not JSON") from None
    if not isinstance(envelope, dict):
        raise BadPayload("service hook body is not a JSON object")
    event_type = str(envelope.get("eventType") or "")
    delivery = envelope.get("id") or envelope.get("notificationId")
    if not event_type or not delivery:
        raise BadPayload("service hook body without eventType or id")
    resource = envelope.get("resource")
    if not event_type.startswith("workitem."):
        return WebhookEvent(delivery_id=str(delivery), event_type=event_type, item_key=None)
    if not isinstance(resource, dict):
        raise BadPayload(f"{event_type} delivery without a resource")
    key = str(work_item_id(resource, event_type))
    rev = resource.get("rev")
    revision = rev if isinstance(rev, int) and not isinstance(rev, bool) else None
    batch = RecordBatch()
    refetch: list[str] = []
    if event_type == "workitem.deleted":
        batch.deletions.append(Deletion(key))
    elif event_type in REFETCH:
        refetch.append(key)
    return WebhookEvent(
        delivery_id=str(delivery),
        event_type=event_type,
        item_key=key,
        batch=batch,
        refetch=refetch,
        revision=revision,
    )
