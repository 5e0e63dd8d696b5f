"""Where the store's history of a source's items ends, for a connector that goes on from it.

Azure DevOps' incremental pull reads the revisions that came after its watermark from the
reporting feed; to turn an item's first such revision into changes it needs the item as it
stood before (its last stored payload) and the ``seq`` its next change takes. The store has
both, so a pull in a new process does not have to read each changed item's whole history
again, one request per item (connectors.metadata.StoredHistory).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from art.chunks import IN_LIST, chunks
from art.models import Change, RawRecord, WorkItem
from connectors.metadata import StoredHistory


class StoredHistories:
    """The store's :class:`StoredHistory` of one source's items, asked by key."""

    def __init__(self, sessions: sessionmaker[Session], source_id: int) -> None:
        self.sessions, self.source_id = sessions, source_id

    def __call__(self, keys: Sequence[str]) -> dict[str, StoredHistory]:
        """Of ``keys``, the items stored, not deleted, with their payload."""
        last_seq = (
            select(func.max(Change.seq)).where(Change.work_item_id == WorkItem.id).scalar_subquery()
        )
        out: dict[str, StoredHistory] = {}
        with self.sessions() as session:
            for part in chunks(sorted(set(keys)), IN_LIST):
                rows = session.execute(
                    select(WorkItem.key, RawRecord.payload, last_seq)
                    .join(RawRecord, RawRecord.work_item_id == WorkItem.id)
                    .where(
                        WorkItem.source_id == self.source_id,
                        WorkItem.key.in_(part),
                        WorkItem.deleted.is_(False),
                    )
                )
                for key, payload, seq in rows:
                    if isinstance(payload, dict):
                        out[key] = StoredHistory(payload, 0 if seq is None else seq + 1)
        return out
