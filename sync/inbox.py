"""The webhook inbox: store first, apply after, in order per item, each delivery once.

A receiver only verifies, parses and stores the raw body (so the tracker gets its 2xx fast
and nothing is lost if the process dies); the worker applies stored events in arrival order
per item. A failing event is kept with its error and does not block the events behind it.

A body is parsed once where it is received. When the worker drains in the same process, the
receiver hands it the parsed event (:meth:`InboxWorker.hand_over`); a worker in another
process has only the stored bytes and parses them once itself.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from art.chunks import IN_LIST, chunks
from art.errors import BadPayload, NotJson, RateLimited, TrackerUnavailable, TrainyardError
from art.models import InboxEvent, Source, WorkItem
from art.store.upsert import insert_ignore
from connectors.base import Connector, WebhookEvent
from sync.apply import BatchApplier

log = logging.getLogger(__name__)
OUTCOMES = ("applied", "failed", "ignored", "duplicate")
DRAIN_LIMIT = 500  # events per group: one fetch and one transaction each
MAX_ATTEMPTS = 20  # tracker outages an event waits out before it is failed for good
MAX_BACKOFF = 60.0  # seconds between retries while the tracker is down
HANDED_OVER = 2 * DRAIN_LIMIT  # parsed events a receiver may hand over before the oldest go
# Headers kept with a stored delivery (for diagnosis and the parsers); everything else,
# credentials and signatures above all, is dropped.
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "user-agent",
        "x-request-id",
        "x-atlassian-webhook-identifier",
        "x-atlassian-webhook-retry",
        "x-atlassian-webhook-flow",
    }
)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # the revision column is a BigInteger


def _length(column: InstrumentedAttribute[Any]) -> int:
    """The declared length of a String column of the inbox."""
    kind = column.property.columns[0].type
    assert isinstance(kind, String) and kind.length is not None
    return kind.length


_DELIVERY_ID_LENGTH = _length(InboxEvent.delivery_id)
_EVENT_TYPE_LENGTH = _length(InboxEvent.event_type)
_ITEM_KEY_LENGTH = _length(InboxEvent.item_key)


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers: the inbox row and whether it was a repeat delivery; and
    the parsed event (None when the body could not be read), for a worker of this process."""

    event_id: int | None
    duplicate: bool
    status: str
    event: WebhookEvent | None = None


@dataclass
class _Pending:
    """One inbox event being drained, detached from its session, and its outcome so far."""

    id: int
    event_type: str | None
    item_key: str | None
    revision: int | None
    headers: dict[str, str]
    body: bytes
    attempts: int
    parsed: WebhookEvent | None = None
    status: str | None = None  # None while open; then applied, duplicate, ignored or failed
    error: str | None = field(default=None)


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers worth keeping: never a credential, a signature or a cookie."""
    keep = {k.lower(): _storable_text(v) for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    return dict(sorted(keep.items()))


def _storable_text(text: str) -> str:
    """``text`` as both stores take it: NUL and lone surrogates written as escapes."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def _excerpt(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "...")


def _text_problem(what: str, text: str, limit: int | None) -> str | None:
    if "\x00" in text:
        return f"the {what} {_excerpt(text)} contains a NUL character"
    if _storable_text(text) != text:
        return f"the {what} {_excerpt(text)} is not valid Unicode (a lone surrogate)"
    if limit is not None and len(text) > limit:
        return f"the {what} is {len(text)} characters long; the inbox keeps at most {limit}"
    return None


def _check_storable(event: WebhookEvent) -> None:
    """BadPayload unless the inbox columns can hold what ``event`` says (a hostile body
    must be kept as failed, not break the insert)."""
    texts = [
        ("delivery id", event.delivery_id, None),  # cut to the column: ids are opaque
        ("event type", event.event_type, _EVENT_TYPE_LENGTH),
        ("item key", event.item_key, _ITEM_KEY_LENGTH),
    ]
    for what, text, limit in texts:
        problem = _text_problem(what, text, limit) if text is not None else None
        if problem:
            raise BadPayload(problem)
    if event.revision is not None and not INT64_MIN <= event.revision <= INT64_MAX:
        raise BadPayload(f"the revision {event.revision} does not fit a 64-bit integer")


def receive(
    sessions: sessionmaker[Session],
    source_id: int,
    connector: Connector,
    headers: Mapping[str, str],
    body: bytes,
) -> Receipt:
    """Verify (raises WebhookRejected), parse and store one delivery; a repeat is not stored
    twice. A body that is not JSON raises NotJson and is not stored.

    A body that cannot be read, or whose values the inbox cannot hold, is stored as failed
    with the reason (under a hash of the body), so the tracker gets its 2xx and stops."""
    connector.verify_webhook(headers, body)
    event: WebhookEvent | None = None
    status, error = "pending", None
    try:
        parsed = connector.parse_webhook(headers, body)
        _check_storable(parsed)
        event = parsed
    except NotJson:
        raise
    except BadPayload as exc:
        status, error = "failed", _storable_text(str(exc))
    delivery = event.delivery_id if event else "sha256:" + hashlib.sha256(body).hexdigest()
    row = {
        "source_id": source_id,
        "delivery_id": delivery[:_DELIVERY_ID_LENGTH],
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
    return Receipt(event_id=event_id, duplicate=inserted == 0, status=status, event=event)


class InboxWorker:
    """Applies pending inbox events of one source; run by the worker's inbox job.

    Events are drained in groups: every refetch the group needs goes to the tracker as one
    ``fetch`` (a few searches, not one request per event) and the group lands in one
    transaction, so a burst of deliveries costs a handful of tracker calls and commits. An
    event that breaks its group is retried alone, so one bad event never fails the others.
    When the tracker is down or throttling, the group stays pending and is retried with
    backoff: a pushed change is never dropped because the tracker blinked.
    """

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
        self._lock = threading.Lock()  # the receiver's threads and the drain share the two below
        self._handed: OrderedDict[int, WebhookEvent] = OrderedDict()
        self.retry_at = 0.0  # monotonic time before which a throttled tracker is left alone
        self._failures = 0
        self._group: list[_Pending] = []  # the group being drained, for its log line
        self._name: str | None = None  # the source's name, read once for the log line

    @property
    def connector(self) -> Connector:
        """The source's connector, built on first use; the receiver verifies and parses with
        it too, so one source has one connector in a process."""
        with self._lock:
            if self._connector is None:
                self._connector = self._factory()
            return self._connector

    def hand_over(self, event_id: int, event: WebhookEvent) -> None:
        """The receiver of this process stored ``event`` as inbox row ``event_id``: keep its
        parse for the drain, which then does not parse the body again. Bounded: events
        drained elsewhere (another worker) are forgotten oldest first."""
        with self._lock:
            self._handed[event_id] = event
            while len(self._handed) > HANDED_OVER:
                self._handed.popitem(last=False)

    def _handed_over(self, event_id: int) -> WebhookEvent | None:
        with self._lock:
            return self._handed.pop(event_id, None)

    def backoff(self) -> float:
        """Seconds until the tracker may be asked again (0: now)."""
        return max(0.0, self.retry_at - time.monotonic())

    def process_pending(self, limit: int = DRAIN_LIMIT) -> int:
        """Apply up to ``limit`` pending events in arrival order; returns how many were done.

        Each group drained is one INFO line: source, events, applied / failed / ignored /
        duplicate, seconds (a group deferred because the tracker is away is not drained)."""
        started, self._group = time.monotonic(), []
        done = self._drain(limit)
        if done and self._group:
            self._log_group(self._group, time.monotonic() - started)
        return done

    def _log_group(self, events: list[_Pending], seconds: float) -> None:
        if self._name is None:
            with self.sessions() as session:
                row = session.get(Source, self.source_id)
                self._name = row.name if row is not None else str(self.source_id)
        tally = {k: sum(e.status == k for e in events) for k in OUTCOMES}
        log.info(
            "webhooks of %s: %d events, %s in %.2f s",
            self._name,
            len(events),
            ", ".join(f"{n} {k}" for k, n in tally.items()),
            seconds,
            extra={"source": self._name, "events": len(events), **tally, "seconds": seconds},
        )

    def _drain(self, limit: int) -> int:
        if self.backoff() > 0:
            return 0
        with self.sessions() as session:
            events = [
                _Pending(e.id, e.event_type, e.item_key, e.revision, e.headers, e.body, e.attempts)
                for e in session.scalars(
                    select(InboxEvent)
                    .where(InboxEvent.source_id == self.source_id, InboxEvent.status == "pending")
                    .order_by(InboxEvent.id)
                    .limit(limit)
                )
            ]
        if not events:
            return 0
        self._group = events
        self._mark_duplicates(events)
        self._parse(events)
        self._ignore_out_of_scope(events)
        open_events = [e for e in events if e.status is None]
        try:
            self._apply(events)
        except (RateLimited, TrackerUnavailable) as exc:
            self._defer(events, exc)
            return 0
        except Exception as exc:
            for event in open_events:  # the group's transaction rolled back: nothing is done
                event.status, event.error = None, None
            if len(open_events) <= 1:
                self._fail_open(events, exc)
                return len(events)
            log.warning("inbox group of %d failed (%s); applying one by one", len(events), exc)
            self._finish([e for e in events if e.status is not None])
            done = len(events) - len(open_events)
            for event in open_events:
                if self.backoff() > 0:
                    break  # the tracker went away meanwhile: the rest wait for the retry
                done += self._process_alone(event)
            return done
        self._failures = 0
        return len(events)

    def _process_alone(self, event: _Pending) -> int:
        try:
            self._apply([event])
        except (RateLimited, TrackerUnavailable) as exc:
            self._defer([event], exc)
            return 0
        except Exception as exc:
            self._fail_open([event], exc)
        return 1

    def _fail_open(self, events: list[_Pending], exc: Exception) -> None:
        """Events still open after ``exc`` failed for good: kept with the error."""
        if not isinstance(exc, TrainyardError):
            log.error("inbox events %s failed", [e.id for e in events], exc_info=exc)
        for event in events:
            if event.status is None:
                event.status, event.error = "failed", _error_text(exc)
        self._finish(events)

    def _defer(self, events: list[_Pending], exc: RateLimited | TrackerUnavailable) -> None:
        """The tracker is unavailable: leave the events pending, note why, retry later."""
        self._failures += 1
        wait = getattr(exc, "retry_after", None) or min(MAX_BACKOFF, 2.0**self._failures)
        self.retry_at = time.monotonic() + wait
        log.warning("inbox: tracker unavailable (%s); retrying in %.0f s", exc, wait)
        with self.sessions() as session, session.begin():
            for event in events:
                if event.status is None and event.attempts + 1 >= MAX_ATTEMPTS:
                    event.status, event.error = "failed", _error_text(exc)
            finished = [e for e in events if e.status is not None]
            open_ids = [e.id for e in events if e.status is None]
            self._write(session, finished)
            if open_ids:
                session.execute(
                    update(InboxEvent)
                    .where(InboxEvent.id.in_(open_ids))
                    .values(attempts=InboxEvent.attempts + 1, error=_error_text(exc))
                )

    def _mark_duplicates(self, events: list[_Pending]) -> None:
        """The same event of the same item revision came before (a redelivery under another
        delivery id). The event type counts: Azure DevOps gives ``workitem.deleted`` the
        revision of the ``workitem.created`` before it."""
        keyed = [e for e in events if e.item_key is not None and e.revision is not None]
        if not keyed:
            return
        seen = set(
            self._rows(
                (InboxEvent.item_key, InboxEvent.event_type, InboxEvent.revision),
                {e.item_key for e in keyed if e.item_key},
                InboxEvent.source_id == self.source_id,
                InboxEvent.status == "applied",
            )
        )
        for event in keyed:
            mark = (event.item_key, event.event_type, event.revision)
            if mark in seen:
                event.status = "duplicate"
            seen.add(mark)

    def _parse(self, events: list[_Pending]) -> None:
        """Each open event's parse: the one the receiver handed over, else the stored body's."""
        for event in events:
            handed = self._handed_over(event.id)
            if event.status is not None:
                continue
            try:
                event.parsed = (
                    handed
                    if handed is not None
                    else self.connector.parse_webhook(event.headers, event.body)
                )
            except TrainyardError as exc:
                event.status, event.error = "failed", _error_text(exc)

    def _ignore_out_of_scope(self, events: list[_Pending]) -> None:
        """Events about items the source does not read are ignored, with the reason; unless
        the store holds the item: it left the scope, and the event's deletion applies."""
        outside = [e for e in events if e.status is None and e.parsed and e.parsed.out_of_scope]
        held = self._held({e.parsed.item_key for e in outside if e.parsed})
        for event in outside:
            assert event.parsed is not None
            if event.parsed.item_key not in held:
                event.status, event.error = "ignored", event.parsed.out_of_scope

    def _held(self, keys: set[str | None]) -> set[str]:
        """Which of ``keys`` the store holds as live items of this source."""
        wanted = {k for k in keys if k}
        if not wanted:
            return set()
        rows = self._rows(
            (WorkItem.key, WorkItem.deleted), wanted, WorkItem.source_id == self.source_id
        )
        return {key for key, deleted in rows if not deleted}

    def _apply(self, events: list[_Pending]) -> None:
        """Apply the open events: their bodies in order, then one fetch of what they name."""
        open_events = [e for e in events if e.status is None and e.parsed is not None]
        refetch = self._refetch_keys(open_events)
        fetched = self.connector.fetch(sorted(refetch)) if refetch else None
        now = datetime.now(UTC)
        with self.sessions() as session, session.begin():
            for event in open_events:
                assert event.parsed is not None
                if not event.parsed.batch.is_empty():
                    self.applier.apply(session, event.parsed.batch, now)
            if fetched is not None:  # the tracker's state now: it wins over every body
                self.applier.apply(session, fetched, now)
            for event in open_events:
                if event.status is None:
                    event.status = "applied"
            self._write(session, events)

    def _refetch_keys(self, events: list[_Pending]) -> set[str]:
        """Items to fetch whole: named for refetch, linked by id only, or never seen."""
        keys: set[str] = set()
        by_id = self._keys_for_ids({i for e in events for i in _ids_only(e)})
        unknown = self._unknown({e.parsed.item_key for e in events if e.parsed and _needs_known(e)})
        for event in events:
            parsed = event.parsed
            assert parsed is not None
            keys.update(parsed.refetch)
            ids = _ids_only(event)
            if ids:
                found = [by_id[i] for i in ids if i in by_id]
                if not found:
                    event.status, event.error = (
                        "failed",
                        _error_text(
                            BadPayload(
                                f"the event names tracker ids {sorted(set(ids))}, none of them "
                                "stored yet; the next pull will bring the change"
                            )
                        ),
                    )
                keys.update(found)  # an end we do not hold yet arrives with the next pull
            if parsed.item_key in unknown:
                keys.add(parsed.item_key)  # an item we never saw: fetch it whole
        return keys

    def _unknown(self, keys: set[str | None]) -> set[str]:
        wanted = {k for k in keys if k}
        known = self._rows((WorkItem.key,), wanted, WorkItem.source_id == self.source_id)
        return wanted - {key for (key,) in known}

    def _keys_for_ids(self, tracker_ids: set[str]) -> dict[str, str]:
        """Jira link events carry numeric ids only: resolve them through the store."""
        rows = self._rows(
            (WorkItem.tracker_id, WorkItem.key), tracker_ids, WorkItem.source_id == self.source_id
        )
        return {tracker_id: key for tracker_id, key in rows}

    def _rows(
        self,
        columns: tuple[InstrumentedAttribute[Any], ...],
        values: set[str],
        *where: ColumnElement[bool],
    ) -> list[tuple[Any, ...]]:
        """``columns`` of the rows whose first column is in ``values``, chunked for drivers."""
        found: list[tuple[Any, ...]] = []
        with self.sessions() as session:
            for chunk in chunks(sorted(values), IN_LIST):
                rows = session.execute(select(*columns).where(columns[0].in_(chunk), *where))
                found.extend(tuple(row) for row in rows)
        return found

    def _finish(self, events: list[_Pending]) -> None:
        with self.sessions() as session, session.begin():
            self._write(session, events)

    @staticmethod
    def _write(session: Session, events: list[_Pending]) -> None:
        """Record the outcome of every finished event (one statement per outcome)."""
        now = datetime.now(UTC)
        rows = [
            {
                "id": e.id,
                "status": e.status,
                "error": e.error,
                "attempts": e.attempts + 1,
                "processed_at": now,
            }
            for e in events
            if e.status is not None
        ]
        if rows:
            session.execute(update(InboxEvent), rows)

    def close(self) -> None:
        if self._connector is not None:
            self._connector.close()


def _ids_only(event: _Pending) -> list[str]:
    """Tracker ids of an event that names no item key (Jira link events)."""
    parsed = event.parsed
    if parsed is None or parsed.item_key is not None:
        return []
    return list(parsed.tracker_ids)


def _needs_known(event: _Pending) -> bool:
    parsed = event.parsed
    return parsed is not None and parsed.item_key is not None and not parsed.refetch


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"
