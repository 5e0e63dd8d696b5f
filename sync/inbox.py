"""The webhook inbox: store first, apply after, in order per item, each delivery once.

A receiver only verifies and stores the raw body (so the tracker gets its 2xx fast and
nothing is lost if the process dies); the worker applies stored events in arrival order per
item. A failing event is kept with its error and does not block the events behind it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from art.errors import BadPayload, TrainyardError
from art.models import InboxEvent, WorkItem
from art.records import RecordBatch
from connectors.base import Connector, WebhookEvent
from sync.apply import BatchApplier
from sync.upsert import insert_ignore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers: the inbox row and whether it was a repeat delivery."""

    event_id: int | None
    duplicate: bool
    status: str


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    keep = {k.lower(): v for k, v in headers.items() if k.lower() != "authorization"}
    return dict(sorted(keep.items()))


def receive(
    sessions: sessionmaker[Session],
    source_id: int,
    connector: Connector,
    headers: Mapping[str, str],
    body: bytes,
) -> Receipt:
    """Verify (raises WebhookRejected) and store one delivery; a repeat is not stored twice."""
    connector.verify_webhook(headers, body)
    status, error = "pending", None
    try:
        event: WebhookEvent | None = connector.parse_webhook(headers, body)
    except BadPayload as exc:
        event, status, error = None, "failed", str(exc)
    delivery = event.delivery_id if event else "sha256:" + hashlib.sha256(body).hexdigest()
    row = {
        "source_id": source_id,
        "delivery_id": delivery[:200],
        "event_type": event.event_type if event else None,
        "item_key": event.item_key if event else None,
        "revision": event.revision if event else None,
        "headers": _headers(headers),
        "body": body,
        "received_at": datetime.now(UTC),
        "status": status,
        "attempts": 0,
        "error": error,
        "processed_at": datetime.now(UTC) if status == "failed" else None,
    }
    with sessions() as session, session.begin():
        inserted = insert_ignore(session, InboxEvent, [row], ["source_id", "delivery_id"])
        event_id = session.scalars(
            select(InboxEvent.id).where(
                InboxEvent.source_id == source_id, InboxEvent.delivery_id == row["delivery_id"]
            )
        ).first()
    return Receipt(event_id=event_id, duplicate=inserted == 0, status=status)


class InboxWorker:
    """Applies pending inbox events of one source; run by the scheduler's worker thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        source_id: int,
        applier: BatchApplier,
        connector_factory: Callable[[], Connector],
    ) -> None:
        self.sessions = sessions
        self.source_id = source_id
        self.applier = applier
        self._factory = connector_factory
        self._connector: Connector | None = None
        self.wake = threading.Event()

    @property
    def connector(self) -> Connector:
        if self._connector is None:
            self._connector = self._factory()
        return self._connector

    def process_pending(self, limit: int = 500) -> int:
        """Apply up to ``limit`` pending events in arrival order; returns how many were done."""
        with self.sessions() as session:
            pending = session.scalars(
                select(InboxEvent)
                .where(InboxEvent.source_id == self.source_id, InboxEvent.status == "pending")
                .order_by(InboxEvent.id)
                .limit(limit)
            ).all()
        for event in pending:
            self._process(event)
        return len(pending)

    def _process(self, event: InboxEvent) -> None:
        try:
            status = self._apply(event)
            error = None
        except TrainyardError as exc:
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # kept on the event: one bad event never blocks the rest
            log.exception("inbox event %s failed", event.id)
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        with self.sessions() as session, session.begin():
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == event.id)
                .values(
                    status=status,
                    error=error,
                    attempts=InboxEvent.attempts + 1,
                    processed_at=datetime.now(UTC),
                )
            )

    def _already_applied(self, event: InboxEvent) -> bool:
        """The same item revision came before (a redelivery under another delivery id)."""
        if event.item_key is None or event.revision is None:
            return False
        with self.sessions() as session:
            return (
                session.scalars(
                    select(InboxEvent.id).where(
                        InboxEvent.source_id == self.source_id,
                        InboxEvent.item_key == event.item_key,
                        InboxEvent.revision == event.revision,
                        InboxEvent.status == "applied",
                        InboxEvent.id != event.id,
                    )
                ).first()
                is not None
            )

    def _apply(self, event: InboxEvent) -> str:
        if self._already_applied(event):
            return "duplicate"
        parsed = self.connector.parse_webhook(event.headers, event.body)
        refetch = list(parsed.refetch)
        if parsed.tracker_ids and parsed.item_key is None:  # ids are all the body says
            refetch += self._keys_for_ids(parsed.tracker_ids)
        batch = parsed.batch
        now = datetime.now(UTC)
        with self.sessions() as session, session.begin():
            self.applier.apply(session, batch, now)
            if parsed.item_key and not refetch and not self._known(session, parsed.item_key):
                refetch.append(parsed.item_key)  # an item we never saw: fetch it whole
        if refetch:
            fetched: RecordBatch = self.connector.fetch(sorted(set(refetch)))
            with self.sessions() as session, session.begin():
                self.applier.apply(session, fetched, datetime.now(UTC))
        return "applied"

    def _known(self, session: Session, key: str) -> bool:
        return (
            session.scalars(
                select(WorkItem.id).where(WorkItem.source_id == self.source_id, WorkItem.key == key)
            ).first()
            is not None
        )

    def _keys_for_ids(self, tracker_ids: list[str]) -> list[str]:
        """Jira link events carry numeric ids only: resolve them through the store."""
        with self.sessions() as session:
            keys = session.scalars(
                select(WorkItem.key).where(
                    WorkItem.source_id == self.source_id, WorkItem.tracker_id.in_(tracker_ids)
                )
            ).all()
        if not keys:
            raise BadPayload(
                f"the event names tracker ids {sorted(set(tracker_ids))}, none of them stored "
                "yet; the next pull will bring the change"
            )
        return list(keys)  # an end we do not hold yet arrives with the next pull

    def close(self) -> None:
        if self._connector is not None:
            self._connector.close()
