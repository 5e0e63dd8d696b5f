"""The connector contract every tracker integration implements.

Connectors are registered under the entry-point group ``trainyard.connectors``; sync finds
them by ``kind`` and never imports a concrete connector. A connector reads its tracker and
yields normalized record batches; it never touches the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, NoReturn, Protocol, runtime_checkable

from art.config import PIConfig, SourceConfig
from art.records import RecordBatch
from connectors.metadata import SourceMetadata


@runtime_checkable
class Connector(Protocol):
    """Reads one tracker source. Synchronous: sync runs it in a worker thread."""

    kind: ClassVar[str]

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        """Full pull when ``since`` is None, else incremental from that watermark.

        Each batch carries the watermark a later pull may resume from once the batch is
        committed. Raises ConnectorAuthError, RateLimited or TrackerUnavailable when the
        whole pull cannot go on; a malformed item is reported in ``RecordBatch.errors``.
        """
        ...

    def fetch(self, keys: list[str]) -> RecordBatch:
        """Fetch the named items (with full history and links) now: webhooks use it."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise WebhookRejected when the delivery is not authentic."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Turn one delivery into what changed; raise BadPayload when it is malformed.

        Decode the body with :func:`webhook_json`: it is the one place a body is read as
        JSON, and its NotJson is answered 400 (nothing kept) where other BadPayloads are
        kept as failed events."""
        ...

    def close(self) -> None:
        """Release HTTP sessions."""
        ...


def _no_constant(name: str) -> NoReturn:
    """``json.loads`` takes NaN and Infinity, which JSON (RFC 8259) does not have."""
    raise ValueError(f"{name} is not a JSON value")


def webhook_json(body: bytes) -> Any:
    """The JSON document of a webhook body, read strictly; NotJson (a BadPayload) naming
    why when it is not JSON: a syntax error, NaN or Infinity, nesting too deep to parse."""
    from art.errors import NotJson

    try:
        return json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep to parse
        raise NotJson(f"the webhook body is not valid JSON: {exc}") from None


class WebhookEvent:
    """What one webhook delivery says, in the ART model's terms.

    ``delivery_id`` deduplicates retried deliveries; ``item_key`` orders events per item and
    ``revision`` (when the tracker has one) lets a newer revision win. ``batch`` holds what the
    body itself carries; ``refetch`` names items whose state must be fetched from the tracker
    because the body is not enough (a Jira issue webhook carries only the change that fired it).
    ``tracker_ids`` are numeric ids a body carries without keys (Jira link events).
    ``out_of_scope`` says why the item is not one the source reads (another project or area):
    the inbox records the event as ignored, or, when the store holds the item (it left the
    scope), applies ``batch`` (its deletion), as a full pull would drop it.
    """

    __slots__ = (
        "batch",
        "delivery_id",
        "event_type",
        "item_key",
        "out_of_scope",
        "refetch",
        "revision",
        "tracker_ids",
    )

    def __init__(
        self,
        *,
        delivery_id: str,
        event_type: str,
        item_key: str | None,
        batch: RecordBatch | None = None,
        refetch: list[str] | None = None,
        revision: int | None = None,
        tracker_ids: list[str] | None = None,
        out_of_scope: str | None = None,
    ) -> None:
        self.delivery_id = delivery_id
        self.event_type = event_type
        self.item_key = item_key
        self.batch = batch if batch is not None else RecordBatch()
        self.refetch = refetch or []
        self.revision = revision
        self.tracker_ids = tracker_ids or []
        self.out_of_scope = out_of_scope


class ConnectorFactory(Protocol):
    """What the entry point resolves to: a class built from the source's config."""

    kind: ClassVar[str]

    def __call__(self, source: SourceConfig, pis: list[PIConfig]) -> Connector: ...


_registered: dict[str, ConnectorFactory] = {}


def register(factory: ConnectorFactory) -> None:
    """Register a connector class in this process (plugins use entry points instead)."""
    _registered[factory.kind] = factory


def connector_kinds() -> list[str]:
    """The kinds a source may name: entry points (built-in ones too) and registered classes."""
    return sorted({ep.name for ep in entry_points(group="trainyard.connectors")} | set(_registered))


def connector_class(kind: str) -> ConnectorFactory:
    """The class for ``kind``, loading only its own entry point; ConfigError when unknown."""
    from art.errors import ConfigError

    if kind in _registered:
        return _registered[kind]
    for ep in entry_points(group="trainyard.connectors", name=kind):
        try:
            cls: ConnectorFactory = ep.load()
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"connector '{kind}' ({ep.value}) cannot be loaded: {exc}") from None
        return cls
    raise ConfigError(
        f"no connector of kind '{kind}' is installed (known: {', '.join(connector_kinds())})"
    )


def make_connector(
    source: SourceConfig, pis: list[PIConfig], metadata: SourceMetadata | None = None
) -> Connector:
    """Build the connector for ``source``; ConfigError when its kind is not installed.

    ``metadata``: the running service's cache of this source's tracker metadata, handed to
    connectors that keep one (``share_metadata``); others read their tracker as before."""
    from art.errors import ConfigError

    try:
        factory = connector_class(source.kind)
    except ConfigError as exc:
        raise ConfigError(f"source '{source.name}': {exc}") from None
    connector = factory(source, pis)
    share = getattr(connector, "share_metadata", None)
    if metadata is not None and callable(share):
        share(metadata)
    return connector


def utc_watermark(at: datetime) -> str:
    """Serialize a timestamp watermark the same way for every connector."""
    return at.isoformat()
