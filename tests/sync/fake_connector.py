"""A scripted tracker for sync tests: the test owns the truth and sees what sync stored.

Sync is the code under test here; the connector is a test double with the same contract.
Connector fidelity to real trackers is tested in tests/connectors against the simulators.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

from art.config import PIConfig, SourceConfig
from art.errors import BadPayload, TrackerUnavailable
from art.records import (
    ChangeRecord,
    Deletion,
    IterationRecord,
    LinkRecord,
    RecordBatch,
    WorkItemRecord,
)
from art.vocabulary import ChangeField, Level, LinkKind, StatusCategory, WorkType
from connectors.base import WebhookEvent, register

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CATEGORY = {
    "To Do": StatusCategory.TODO,
    "In Progress": StatusCategory.ACTIVE,
    "Done": StatusCategory.DONE,
}


@dataclass
class FakeItem:
    key: str
    team: str
    status: str = "To Do"
    updated: datetime = T0
    history: list[tuple[datetime, str, str]] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    malformed: bool = False

    def move(self, status: str, at: datetime) -> None:
        self.history.append((at, self.status, status))
        self.status = status
        self.updated = at


class FakeConnector:
    kind: ClassVar[str] = "fake"

    def __init__(self, items: list[FakeItem], page: int = 3) -> None:
        self.items = items
        self.page = page
        self.requests = 0
        self.fetched: list[list[str]] = []  # the keys of every fetch call, in order
        self.down = 0  # the next ``down`` fetches find the tracker unreachable
        self.unreadable: set[str] = set()  # a fetch naming one of these fails as a whole
        self.sprint = ("Sprint 1", date(2026, 1, 5), date(2026, 1, 18))  # name, start, end
        self.categories = dict(CATEGORY)  # the status mapping the connector applies

    def _records(
        self, item: FakeItem
    ) -> tuple[WorkItemRecord, list[ChangeRecord], list[LinkRecord]]:
        rec = WorkItemRecord(
            key=item.key,
            tracker_id=item.key.split("-")[1],
            title=f"Story {item.key}",
            item_type="Story",
            level=Level.STORY,
            work_type=WorkType.FEATURE,
            status=item.status,
            status_category=self.categories[item.status],
            created_at=T0,
            updated_at=item.updated,
            team=item.team,
            iteration="S1",
            story_points=3.0,
        )
        changes = [
            ChangeRecord(
                item.key, ChangeField.STATUS, at, frm, to, self.categories[frm], self.categories[to]
            )
            for at, frm, to in item.history
        ]
        # like Jira's issuelinks and Azure DevOps' relations, both directions show on an item
        links = [LinkRecord(item.key, other, LinkKind.BLOCKS, "Blocks") for other in item.blocks]
        links += [
            LinkRecord(other.key, item.key, LinkKind.BLOCKS, "Blocks")
            for other in self.items
            if item.key in other.blocks
        ]
        return rec, changes, links

    def pull(self, since: str | None) -> Iterator[RecordBatch]:
        cutoff = datetime.fromisoformat(since) if since else None
        todo = sorted(
            (i for i in self.items if cutoff is None or i.updated > cutoff),
            key=lambda i: (i.updated, i.key),
        )
        for start in range(0, max(len(todo), 1), self.page):
            self.requests += 1
            batch = RecordBatch(
                requests=1,
                iterations=[IterationRecord("S1", *self.sprint, "active", None, "PI 26.1")],
            )
            for item in todo[start : start + self.page]:
                if item.malformed:
                    batch.errors.append(f"{item.key}: fields.status is missing")
                    batch.skipped_keys.add(item.key)
                    continue
                rec, changes, links = self._records(item)
                batch.items.append(rec)
                batch.changes.extend(changes)
                batch.links.extend(links)
                batch.complete_history_for.add(item.key)
                batch.complete_links_for.add(item.key)
            page_items = todo[start : start + self.page]
            if page_items:
                batch.watermark = max(i.updated for i in page_items).isoformat()
            yield batch

    def fetch(self, keys: list[str]) -> RecordBatch:
        self.fetched.append(list(keys))
        if self.down > 0:
            self.down -= 1
            raise TrackerUnavailable("fake tracker: connection refused")
        if self.unreadable & set(keys):
            raise BadPayload(f"fake tracker: {sorted(self.unreadable & set(keys))} unreadable")
        batch = RecordBatch(requests=1)
        for item in self.items:
            if item.key in keys:
                rec, changes, links = self._records(item)
                batch.items.append(rec)
                batch.changes.extend(changes)
                batch.links.extend(links)
                batch.complete_history_for.add(item.key)
                batch.complete_links_for.add(item.key)
        return batch

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        return None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """A minimal push format: {"delivery", "key", "rev"}; the item is refetched.

        Optional: "event" (``item_deleted`` is applied from the body) and "outside" (the
        reason the item is out of the source's scope)."""
        data = json.loads(body)
        if "key" not in data:
            raise BadPayload(f"delivery {data.get('delivery')}: no 'key' in the body")
        key, event = data["key"], data.get("event", "item_updated")
        gone = event == "item_deleted" or "outside" in data
        outside = {"out_of_scope": data["outside"]} if "outside" in data else {}
        return WebhookEvent(
            delivery_id=headers.get("x-delivery") or data["delivery"],
            event_type=event,
            item_key=key,
            revision=data.get("rev"),
            refetch=[] if gone else [key],
            batch=RecordBatch(deletions=[Deletion(key)]) if gone else None,
            **outside,
        )

    def close(self) -> None:
        return None


def make_items(n: int, teams: tuple[str, ...] = ("Blue", "Red")) -> list[FakeItem]:
    items = [
        FakeItem(f"PHX-{i}", teams[i % len(teams)], updated=T0 + timedelta(minutes=i))
        for i in range(1, n + 1)
    ]
    for i, item in enumerate(items):
        if i % 2 == 0:
            item.move("In Progress", T0 + timedelta(days=1, minutes=i))
        if i % 4 == 0:
            item.move("Done", T0 + timedelta(days=3, minutes=i))
        if i + 1 < len(items) and i % 3 == 0:
            item.blocks.append(items[i + 1].key)
    return items


class RegisteredFake(FakeConnector):
    """The fake as the scheduler builds it, from the source config: reads ``SHARED_TRUTH``."""

    def __init__(self, source: SourceConfig, pis: list[PIConfig]) -> None:
        super().__init__(SHARED_TRUTH)


SHARED_TRUTH: list[FakeItem] = []
register(RegisteredFake)
