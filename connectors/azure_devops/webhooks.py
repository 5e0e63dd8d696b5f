"""Azure DevOps service hook deliveries: verification and parsing.

Service hooks are not signed. The Web Hooks consumer can send Basic auth
(``basicAuthUsername`` / ``basicAuthPassword``) or extra headers (``httpHeaders``), so a
delivery is accepted when it carries the source's webhook secret either as the Basic password
(with ``webhook_username`` as user, when configured) or in ``X-Trainyard-Secret``. Without a
secret every delivery is refused, unless the source says ``webhook_allow_unsigned = true``.

A delivery is a "this item changed" signal: ``workitem.updated`` carries only the fields that
changed (and ``resource.id`` is the update number, not the item), so updated, created and
restored items are re-fetched; a deletion is applied from the body. An item outside the
source's scope (another project, an area path or a work item type it does not read) is
marked out of scope, judged from the fields the delivery carries.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any

from art.config import SourceConfig
from art.errors import BadPayload, WebhookRejected
from art.records import Deletion, RecordBatch
from connectors.azure_devops.queries import item_types, user_condition
from connectors.base import WebhookEvent, webhook_json

SECRET_HEADER = "x-trainyard-secret"
REFETCH = {"workitem.created", "workitem.updated", "workitem.restored"}
MAX_ID = 2**31 - 1  # work item ids are 32-bit


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name), None)


def verify(source: SourceConfig, headers: Mapping[str, str]) -> None:
    """Raise WebhookRejected unless the delivery carries the configured secret."""
    secret = source.secret("webhook_secret_env")
    if not secret:
        if source.webhook_allow_unsigned:
            return
        raise WebhookRejected(
            f"source '{source.name}': no webhook_secret_env is configured, so Azure DevOps "
            "deliveries cannot be verified (set webhook_secret_env, or "
            "webhook_allow_unsigned = true to accept them unverified)"
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
            if value > MAX_ID:
                raise BadPayload(f"{event_type} delivery: work item id {value} is out of range")
            return value
    raise BadPayload(f"{event_type} delivery without a work item id")


def _under(path: str, area: str) -> bool:
    """WIQL's ``UNDER``: the area itself or a node below it (names are case-insensitive)."""
    path, area = path.casefold(), area.casefold()
    return path == area or path.startswith(area + "\\")


def out_of_scope(source: SourceConfig, item: int, fields: Mapping[str, Any]) -> str | None:
    """Why work item ``item`` is not one the source reads, judged as its WIQL scope would
    from the fields a delivery carries; None when it is, or when they cannot tell."""
    project, area = fields.get("System.TeamProject"), fields.get("System.AreaPath")
    kind = fields.get("System.WorkItemType")
    where = f"work item {item} is"
    if (
        isinstance(project, str)
        and source.project
        and project.casefold() != source.project.casefold()
    ):
        return (
            f"{where} in project '{project}', which source '{source.name}' does not read "
            f"(it reads '{source.project}')"
        )
    if (
        isinstance(area, str)
        and source.area_paths
        and not any(_under(area, a) for a in source.area_paths)
    ):
        return (
            f"{where} in area path '{area}', outside the area paths source "
            f"'{source.name}' reads ({', '.join(source.area_paths)})"
        )
    types_read = None if source.wiql and user_condition(source.wiql) else item_types(source)
    if (
        isinstance(kind, str)
        and types_read is not None  # a WIQL condition decides the types itself
        and kind.casefold() not in {t.casefold() for t in types_read}
    ):
        return f"{where} a '{kind}', a type source '{source.name}' does not read"
    return None


def _fields(resource: Mapping[str, Any], event_type: str) -> Mapping[str, Any]:
    """The item's fields as of the event (an update's ``fields`` holds only the changes)."""
    holder = resource.get("revision") if event_type == "workitem.updated" else resource
    fields = holder.get("fields") if isinstance(holder, dict) else None
    return fields if isinstance(fields, dict) else {}


def parse(headers: Mapping[str, str], body: bytes, source: SourceConfig) -> WebhookEvent:
    """One delivery -> what changed (deletions applied, other events re-fetched)."""
    envelope = webhook_json(body)
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
    item = work_item_id(resource, event_type)
    key = str(item)
    rev = resource.get("rev")
    revision = rev if isinstance(rev, int) and not isinstance(rev, bool) else None
    outside = out_of_scope(source, item, _fields(resource, event_type))
    batch = RecordBatch()
    refetch: list[str] = []
    if event_type == "workitem.deleted" or outside:
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
        out_of_scope=outside,
    )
