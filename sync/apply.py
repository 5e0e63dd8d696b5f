"""Apply one record batch to the store: idempotent, set-based, one transaction per batch.

Items are upserted on (source, key), history rows deduplicated on a content key, links
replaced per item when the batch carries an item's whole link set. Re-applying the same batch
changes nothing, not even ``synced_at``, so BI tools reading ``updated_since`` see only what
really changed.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from art.chunks import IN_LIST, chunks
from art.config import ArtConfig, SourceConfig
from art.links import item_ref
from art.models import Change, Link, PIObjective, RawRecord, Risk, WorkItem
from art.records import ChangeRecord, LinkRecord, RecordBatch, WorkItemRecord
from art.store.outbox import emit
from art.store.upsert import insert_ignore, upsert
from art.structure_queries import next_data_version
from art.vocabulary import LinkKind
from sync.resolve import Resolver

ITEM_FIELDS = (
    "tracker_id",
    "title",
    "item_type",
    "level",
    "work_type",
    "status",
    "status_category",
    "team_id",
    "iteration_id",
    "pi_id",
    "parent_key",
    "story_points",
    "business_value",
    "target_date",
    "flagged",
    "created_at",
    "updated_at",
    "deleted",
)


@dataclass
class ApplyCounts:
    """What one batch did to the store."""

    fetched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    changed_keys: tuple[str, ...] = ()
    after: dict[str, WorkItemRecord] = field(default_factory=dict)  # changed keys' records
    item_ids: list[int] = field(default_factory=list)  # store ids of the batch's items

    def add(self, other: ApplyCounts) -> None:
        self.fetched += other.fetched
        self.created += other.created
        self.updated += other.updated
        self.deleted += other.deleted
        self.skipped += other.skipped


def change_key(c: ChangeRecord) -> str:
    """Content key of a history row: the same change from a pull and a webhook is one row."""
    text = "|".join(
        [
            c.field.value,
            c.at.astimezone(UTC).isoformat(),
            str(c.seq),
            c.from_value or "",
            c.to_value or "",
        ]
    )
    return hashlib.sha1(text.encode()).hexdigest()


class _Version:
    """A batch's data version, taken (the ART row locked) when it first writes a row that
    reports read, and the ids of the item rows already written stamped with it."""

    def __init__(self, session: Session, art_id: int) -> None:
        self.session, self.art_id = session, art_id
        self.number: int | None = None
        self.written: set[int] = set()

    def __call__(self) -> int:
        if self.number is None:
            self.number = next_data_version(self.session, self.art_id)
        return self.number


class BatchApplier:
    """Applies batches of one source into one ART."""

    def __init__(
        self,
        source_id: int,
        art_id: int,
        art_cfg: ArtConfig | None,
        source: SourceConfig | None = None,
    ) -> None:
        self.source_id = source_id
        self.art_id = art_id
        self.art_cfg = art_cfg
        self.source = source  # names the items of events: source name, display key, URL

    def apply(self, session: Session, batch: RecordBatch, now: datetime) -> ApplyCounts:
        version = _Version(session, self.art_id)
        resolver = Resolver(session, self.art_id, self.source_id, self.art_cfg, version)
        resolver.upsert_iterations(batch.iterations)
        known: dict[str, int] = {}  # item ids by key, read once a batch (see _item_ids)
        inserted: set[str] = set()  # keys of the items this batch inserted
        counts = self._items(session, resolver, batch.items, now, known, inserted, version)
        counts.item_ids = list(
            self._item_ids(session, {i.key for i in batch.items}, known).values()
        )
        ids = self._item_ids(session, {c.item_key for c in batch.changes}, known)
        histories: set[int] = set()  # items whose history rows were added or removed
        # an item inserted by this batch has no stored history to reconcile with its own
        complete = batch.complete_history_for - inserted
        touched = self._changes(session, batch.changes, complete, ids, histories, now)
        linked: set[str] = set()  # keys at either end of a link added or removed
        touched += self._links(session, batch.links, batch.complete_links_for, linked, now)
        self._objectives(session, resolver, batch, now)
        counts.deleted = self._deletions(session, [d.key for d in batch.deletions], now)
        counts.skipped = len(batch.errors)
        if counts.changed_keys or counts.deleted:
            emit(
                session,
                "item.changed",
                {
                    "source_id": self.source_id,
                    "created": counts.created,
                    "updated": counts.updated,
                    "deleted": counts.deleted,
                    "keys": list(counts.changed_keys[:500]),
                    "deleted_keys": sorted({d.key for d in batch.deletions})[:500],
                    "source": None if self.source is None else self.source.name,
                    "items": [
                        self._named(k, counts.after.get(k)) for k in counts.changed_keys[:500]
                    ],
                    "deleted_items": [
                        self._named(k, None) for k in sorted({d.key for d in batch.deletions})[:500]
                    ],
                },
            )
        if (
            counts.created
            or counts.updated
            or counts.deleted
            or touched
            or batch.objectives
            or batch.risks
        ):
            keys = {*counts.changed_keys, *(d.key for d in batch.deletions), *linked}
            stamped = histories | set(self._item_ids(session, keys, known).values())
            self._stamp(session, stamped - version.written, version())
        return counts

    def _named(self, key: str, record: WorkItemRecord | None) -> dict[str, Any]:
        """An item as an event names it: key, display key and URL in its tracker, and its
        fields after the change (none for a deletion)."""
        named: dict[str, Any] = {"key": key, **item_ref(self.source, key)}
        if record is not None:
            named["fields"] = {
                "title": record.title,
                "item_type": record.item_type,
                "level": record.level.value,
                "work_type": record.work_type.value,
                "status": record.status,
                "status_category": record.status_category.value,
                "team": record.team,
                "iteration": record.iteration,
                "pi": record.pi,
                "parent": record.parent,
                "story_points": record.story_points,
                "business_value": record.business_value,
                "target_date": None
                if record.target_date is None
                else record.target_date.isoformat(),
                "flagged": record.flagged,
                "updated_at": record.updated_at.isoformat(),
            }
        return named

    @staticmethod
    def _stamp(session: Session, item_ids: set[int], version: int) -> None:
        """Mark the items this commit changed with its data version. The ART row is updated
        first, so its lock orders the stamps as the commits: a reader that saw version V
        has seen every item stamped V or lower (incremental report loads rely on it)."""
        for chunk in chunks(sorted(item_ids), IN_LIST):
            session.execute(
                update(WorkItem).where(WorkItem.id.in_(chunk)).values(art_version=version)
            )

    # -- items ------------------------------------------------------------------------------
    def _row(
        self,
        rec: WorkItemRecord,
        resolver: Resolver,
        iterations: dict[str, tuple[int, int | None]],
        teams: dict[str, int],
        pis: dict[str, int],
    ) -> dict[str, Any]:
        iteration = iterations.get(rec.iteration or "")
        pi_id = pis.get(rec.pi or "") or (iteration[1] if iteration else None)
        return {
            "tracker_id": rec.tracker_id,
            "title": rec.title,
            "item_type": rec.item_type,
            "level": rec.level.value,
            "work_type": rec.work_type.value,
            "status": rec.status,
            "status_category": rec.status_category.value,
            "team_id": teams.get(resolver.team_name(rec.team) or ""),
            "iteration_id": iteration[0] if iteration else None,
            "pi_id": pi_id,
            "parent_key": rec.parent,
            "story_points": rec.story_points,
            "business_value": rec.business_value,
            "target_date": rec.target_date,
            "flagged": rec.flagged,
            "created_at": rec.created_at,
            "updated_at": rec.updated_at,
            "deleted": False,
        }

    def _items(
        self,
        session: Session,
        resolver: Resolver,
        records: list[WorkItemRecord],
        now: datetime,
        known: dict[str, int],
        inserted: set[str],
        version: _Version,
    ) -> ApplyCounts:
        """Upsert the items and their raw records, each row written stamped with ``version``;
        adds their ids to ``known`` and, when this batch inserted every new one (no other
        writer stored one first), their keys to ``inserted``."""
        counts = ApplyCounts(fetched=len(records))
        if not records:
            return counts
        latest = {r.key: r for r in records}  # the last record of a key in a batch wins
        teams = resolver.team_ids(r.team for r in latest.values())
        pis = resolver.pi_ids([], (r.pi for r in latest.values()))
        iterations = resolver.iteration_ids(r.iteration for r in latest.values())
        wanted = {k: self._row(r, resolver, iterations, teams, pis) for k, r in latest.items()}
        existing: dict[str, tuple[int, dict[str, Any]]] = {}
        cols = [getattr(WorkItem, f) for f in ITEM_FIELDS]
        for chunk in chunks(sorted(wanted), IN_LIST):
            rows = session.execute(
                select(WorkItem.key, WorkItem.id, *cols).where(
                    WorkItem.source_id == self.source_id, WorkItem.key.in_(chunk)
                )
            )
            for db_row in rows:
                existing[db_row[0]] = (db_row[1], dict(zip(ITEM_FIELDS, db_row[2:], strict=True)))
        known.update({key: id_ for key, (id_, _) in existing.items()})
        new_rows, changed_rows, changed = [], [], []
        for key, row in wanted.items():
            if key not in existing:
                new_rows.append(
                    {
                        **row,
                        "source_id": self.source_id,
                        "art_id": self.art_id,
                        "key": key,
                        "synced_at": now,
                        "deleted_at": None,
                    }
                )
                changed.append(key)
            elif existing[key][1] != row:
                changed_rows.append(
                    {**row, "id": existing[key][0], "synced_at": now, "deleted_at": None}
                )
                changed.append(key)
        if new_rows or changed_rows:
            stamp = version()
            for row in itertools.chain(new_rows, changed_rows):
                row["art_version"] = stamp
        if insert_ignore(session, WorkItem, new_rows, ["source_id", "key"]) == len(new_rows):
            inserted.update(row["key"] for row in new_rows)
        if changed_rows:
            session.execute(update(WorkItem), changed_rows)
            version.written.update(row["id"] for row in changed_rows)
        counts.created, counts.updated = len(new_rows), len(changed_rows)
        counts.changed_keys = tuple(changed)
        counts.after = {k: latest[k] for k in changed}
        if inserted:  # every new row is this batch's, written stamped
            ids = self._item_ids(session, inserted, known)
            version.written.update(ids.values())
        raws = [(k, r.raw) for k, r in latest.items() if r.raw is not None]
        if raws:
            ids = self._item_ids(session, {k for k, _ in raws}, known)
            upsert(
                session,
                RawRecord,
                [
                    {"work_item_id": ids[k], "payload": raw, "fetched_at": now}
                    for k, raw in raws
                    if k in ids
                ],
                ["work_item_id"],
                ["payload", "fetched_at"],
            )
        return counts

    def _item_ids(self, session: Session, keys: set[str], known: dict[str, int]) -> dict[str, int]:
        """Ids of the stored items among ``keys``. A batch's items, their history and its
        stamps name the same keys: only those not in ``known`` (the ids the batch has read,
        which never change within it) are read, and added to it."""
        for chunk in chunks(sorted(keys - known.keys()), IN_LIST):
            rows = session.execute(
                select(WorkItem.key, WorkItem.id).where(
                    WorkItem.source_id == self.source_id, WorkItem.key.in_(chunk)
                )
            )
            known.update({k: i for k, i in rows})
        return {k: known[k] for k in keys if k in known}

    # -- history ----------------------------------------------------------------------------
    def _changes(
        self,
        session: Session,
        changes: list[ChangeRecord],
        complete: set[str],
        ids: dict[str, int],
        histories: set[int],
        now: datetime,
    ) -> int:
        """Store history rows; returns how many rows were added, removed or given new status
        categories, and adds the ids of the items whose history it changed to ``histories``."""
        rows: list[dict[str, Any]] = [
            {
                "work_item_id": ids[c.item_key],
                "field": c.field.value,
                "from_value": c.from_value,
                "to_value": c.to_value,
                "from_category": c.from_category.value if c.from_category else None,
                "to_category": c.to_category.value if c.to_category else None,
                "at": c.at,
                "seq": c.seq,
                "author": c.author,
                "dedupe_key": change_key(c),
                "recorded_at": now,
            }
            for c in changes
            if c.item_key in ids
        ]
        complete_ids = [ids[k] for k in complete if k in ids]
        stored: set[tuple[int, str]] = set()
        removed = recategorized = 0
        unique = {(r["work_item_id"], r["dedupe_key"]): r for r in rows}  # the last one wins
        if complete_ids:  # a pull carries the whole history: drop rows the tracker no longer has
            stale: dict[int, int] = {}  # change id -> item id
            # a stored row whose status categories differ (the status mapping changed since):
            # its categories as the mapping now says
            moved: list[dict[str, Any]] = []
            for chunk in chunks(complete_ids, IN_LIST):
                for id_, item_id, key, from_cat, to_cat in session.execute(
                    select(
                        Change.id,
                        Change.work_item_id,
                        Change.dedupe_key,
                        Change.from_category,
                        Change.to_category,
                    ).where(Change.work_item_id.in_(chunk))
                ):
                    row = unique.get((item_id, key))
                    if row is None:
                        stale[id_] = item_id
                        continue
                    stored.add((item_id, key))
                    if (row["from_category"], row["to_category"]) != (from_cat, to_cat):
                        moved.append(
                            {
                                "id": id_,
                                "from_category": row["from_category"],
                                "to_category": row["to_category"],
                            }
                        )
                        histories.add(item_id)
            for chunk in chunks(sorted(stale), IN_LIST):
                session.execute(delete(Change).where(Change.id.in_(chunk)))
            if moved:
                session.execute(update(Change), moved)
            histories.update(stale.values())
            removed, recategorized = len(stale), len(moved)
        # rows already stored are not sent again: a refetched item's history is mostly known
        new = {mark: r for mark, r in unique.items() if mark not in stored}
        added = insert_ignore(session, Change, list(new.values()), ["work_item_id", "dedupe_key"])
        if added:
            histories.update(item_id for item_id, _ in new)
        return removed + recategorized + added

    # -- links ------------------------------------------------------------------------------
    def _links(
        self,
        session: Session,
        links: list[LinkRecord],
        complete: set[str],
        linked: set[str],
        now: datetime,
    ) -> int:
        """Store links, replacing the link sets of ``complete`` items; returns rows touched
        and adds the keys at the ends of the links added or removed to ``linked``.

        A parent link belongs to its child: a tracker may name an item's parent without
        listing its children (Jira does), so a complete parent leaves its children's links be.
        """
        removed = 0
        desired = {(lk.from_key, lk.to_key, lk.kind.value): lk.tracker_type for lk in links}
        stored: set[tuple[str, str, str]] = set()
        if complete:
            stale: set[int] = set()
            # two index lookups, not one OR: PostgreSQL, with a table still growing under the
            # pull (its statistics stale), scanned every link of the source for the OR
            ends = (
                Link.from_key.in_,
                lambda chunk: and_(Link.to_key.in_(chunk), Link.kind != LinkKind.PARENT.value),
            )
            for chunk in chunks(sorted(complete), IN_LIST):
                for end in ends:
                    for id_, f, t, k in session.execute(
                        select(Link.id, Link.from_key, Link.to_key, Link.kind).where(
                            Link.source_id == self.source_id, end(chunk)
                        )
                    ):
                        if (f, t, k) in desired:
                            stored.add((f, t, k))
                        else:
                            stale.add(id_)
                            linked.update((f, t))
            for ids in chunks(sorted(stale), IN_LIST):
                session.execute(delete(Link).where(Link.id.in_(ids)))
            removed = len(stale)
        new: list[dict[str, Any]] = [
            {
                "source_id": self.source_id,
                "from_key": f,
                "to_key": t,
                "kind": k,
                "tracker_type": tt,
                "recorded_at": now,
            }
            for (f, t, k), tt in desired.items()
            if (f, t, k) not in stored
        ]
        added = insert_ignore(session, Link, new, ["source_id", "from_key", "to_key", "kind"])
        if added:
            linked.update(key for row in new for key in (row["from_key"], row["to_key"]))
        return removed + added

    # -- planning items ---------------------------------------------------------------------
    def _objectives(
        self, session: Session, resolver: Resolver, batch: RecordBatch, now: datetime
    ) -> None:
        if not batch.objectives and not batch.risks:
            return
        teams = resolver.team_ids([o.team for o in batch.objectives] + [None for _ in batch.risks])
        pis = resolver.pi_ids([], [o.pi for o in batch.objectives] + [r.pi for r in batch.risks])
        upsert(
            session,
            PIObjective,
            [
                {
                    "art_id": self.art_id,
                    "source_id": self.source_id,
                    "key": o.key,
                    "pi_id": pis.get(o.pi or ""),
                    "team_id": teams.get(resolver.team_name(o.team) or ""),
                    "text": o.text,
                    "committed": o.committed,
                    "planned_bv": o.planned_bv,
                    "actual_bv": o.actual_bv,
                    "items": list(o.items),
                    "deleted": False,
                    "updated_at": now,
                }
                for o in {o.key: o for o in batch.objectives}.values()
            ],
            ["source_id", "key"],
            [
                "pi_id",
                "team_id",
                "text",
                "committed",
                "planned_bv",
                "actual_bv",
                "items",
                "deleted",
                "updated_at",
            ],
        )
        upsert(
            session,
            Risk,
            [
                {
                    "art_id": self.art_id,
                    "source_id": self.source_id,
                    "key": r.key,
                    "pi_id": pis.get(r.pi or ""),
                    "team_id": None,
                    "text": r.text,
                    "owner": r.owner,
                    "roam": r.roam.value,
                    "deleted": False,
                    "updated_at": now,
                }
                for r in {r.key: r for r in batch.risks}.values()
            ],
            ["source_id", "key"],
            ["pi_id", "text", "owner", "roam", "deleted", "updated_at"],
        )

    # -- deletions --------------------------------------------------------------------------
    def _deletions(self, session: Session, keys: list[str], now: datetime) -> int:
        """Soft delete: the item leaves every report, its history stays."""
        total = 0
        for chunk in chunks(sorted(set(keys)), IN_LIST):
            result = session.execute(
                update(WorkItem)
                .where(
                    WorkItem.source_id == self.source_id,
                    WorkItem.key.in_(chunk),
                    WorkItem.deleted.is_(False),
                )
                .values(deleted=True, deleted_at=now, synced_at=now)
            )
            total += result.rowcount or 0  # type: ignore[attr-defined]
            for model in (PIObjective, Risk):
                session.execute(
                    update(model)
                    .where(model.source_id == self.source_id, model.key.in_(chunk))
                    .values(deleted=True, updated_at=now)
                )
        return total
