"""Run one pull of one source: batches applied in order, each with its watermark.

The watermark is written in the same transaction as the batch that justifies it, so a pull
killed at any point resumes from the last committed batch without gaps. A full pull ends by
soft-deleting the items the tracker no longer returns (reconciliation).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from art.config import SourceConfig, TrainyardConfig
from art.errors import ConnectorError, TrainyardError
from art.models import Source, SyncRun, Watermark, WorkItem
from art.records import Deletion, RecordBatch
from art.store.outbox import emit
from art.store.upsert import refresh_statistics, upsert
from connectors.base import Connector, make_connector
from connectors.metadata import SourceMetadata
from connectors.read_ahead import read_ahead_groups
from sync.apply import ApplyCounts, BatchApplier
from sync.collector import collect_batch_garbage, collected_less_often
from sync.merge import merges
from sync.seen import SeenItems
from sync.stored_history import StoredHistories

log = logging.getLogger(__name__)
ProgressHook = Callable[[RecordBatch, ApplyCounts], None]
RECONCILE_ROWS = 20_000  # stored items compared with those seen at a time


def _batch_size(batch: RecordBatch) -> int:
    """A batch's weight against a source's ``commit_items``: its items and deletions."""
    return len(batch.items) + len(batch.deletions)


@dataclass
class PullResult:
    """The outcome of a pull, as recorded on its SyncRun row."""

    run_id: int
    status: str
    counts: ApplyCounts = field(default_factory=ApplyCounts)
    requests: int = 0
    error: str | None = None
    item_errors: list[str] = field(default_factory=list)
    mode: str = "full"  # full when there is no watermark yet, whatever was asked
    started: float = field(default_factory=time.monotonic)


def _tally(counts: ApplyCounts, requests: int, skipped: int) -> dict[str, int]:
    """A run's count columns."""
    return {
        "fetched": counts.fetched,
        "created": counts.created,
        "updated": counts.updated,
        "deleted": counts.deleted,
        "skipped": skipped,
        "requests": requests,
    }


def source_row(session: Session, name: str) -> Source:
    row = session.scalars(select(Source).where(Source.name == name)).first()
    if row is None:
        raise TrainyardError(f"source '{name}' is not in the store; is it in the configuration?")
    return row


def read_watermark(session: Session, source_id: int) -> str | None:
    return session.scalars(
        select(Watermark.value).where(Watermark.source_id == source_id, Watermark.stream == "items")
    ).first()


def pull_mode(session: Session, source: str, full: bool) -> str:
    """The mode a pull of ``source`` runs in, as :meth:`PullRunner.run` decides it: ``full``
    when asked or when the source has never been pulled (no watermark yet), else
    ``incremental``. Said before the pull starts (the CLI's label, the API's answer)."""
    if full:
        return "full"
    watermark = read_watermark(session, source_row(session, source).id)
    return "full" if watermark is None else "incremental"


def write_watermark(session: Session, source_id: int, value: str, now: datetime) -> None:
    upsert(
        session,
        Watermark,
        [{"source_id": source_id, "stream": "items", "value": value, "updated_at": now}],
        ["source_id", "stream"],
        ["value", "updated_at"],
    )


class PullRunner:
    """Pulls one configured source into the store."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: TrainyardConfig,
        source: SourceConfig,
        connector: Connector | None = None,
        metadata: SourceMetadata | None = None,
    ) -> None:
        """``metadata``: the running service's cache of the source's tracker metadata, for
        the connector built here (none given: the connector reads its own)."""
        self.sessions = sessions
        self.config = config
        self.source = source
        art_cfg = config.art(source.art)
        with sessions() as session:
            row = source_row(session, source.name)
            self.source_id = row.id
            assert row.art_id is not None
            self.art_id = row.art_id
        if connector is None:  # its histories go on from the store's (sync.stored_history)
            metadata = metadata or SourceMetadata(source.metadata_ttl_minutes * 60)
            metadata.stored = StoredHistories(sessions, self.source_id)
        self.connector = connector or make_connector(source, list(art_cfg.pis), metadata)
        self.applier = BatchApplier(self.source_id, self.art_id, art_cfg, source)

    def close_abandoned(self) -> int:
        """Mark this source's runs still ``running`` as failed: the caller holds the source's
        pull lease, so whoever ran them stopped (killed, crashed) and its lease expired. Each
        keeps the counts it had committed (written with every batch) and names them."""
        with self.sessions() as session, session.begin():
            runs = session.scalars(
                select(SyncRun).where(
                    SyncRun.source_id == self.source_id, SyncRun.status == "running"
                )
            ).all()
            for run in runs:
                run.status, run.finished_at = "failed", datetime.now(UTC)
                run.error = (
                    "abandoned: the process running this pull stopped before it finished "
                    f"(its lease expired); it had committed fetched {run.fetched}, created "
                    f"{run.created}, updated {run.updated}, deleted {run.deleted}, skipped "
                    f"{run.skipped} in {run.requests} requests"
                )
        return len(runs)

    def run(self, full: bool = False, on_batch: ProgressHook | None = None) -> PullResult:
        """Pull (incremental from the watermark unless ``full`` or none yet) and record it."""
        with collected_less_often():  # see sync.collector
            return self._run(full, on_batch)

    def _run(self, full: bool, on_batch: ProgressHook | None) -> PullResult:
        started = datetime.now(UTC)
        with self.sessions() as session, session.begin():
            since = None if full else read_watermark(session, self.source_id)
            mode = "incremental" if since is not None else "full"
            run = SyncRun(
                source_id=self.source_id,
                mode=mode,
                status="running",
                started_at=started,
                item_errors=[],
            )
            session.add(run)
            session.flush()
            result = PullResult(run_id=run.id, status="running", mode=mode)
        seen = SeenItems()
        try:
            for number, batch in enumerate(self._batches(since), start=1):
                now = datetime.now(UTC)
                with self.sessions() as session, session.begin():
                    counts = self.applier.apply(session, batch, now)
                    if batch.watermark is not None:
                        write_watermark(session, self.source_id, batch.watermark, now)
                    if number & (number - 1) == 0:  # batches 1, 2, 4, 8...: as the store grows
                        refresh_statistics(session)
                    self._record_committed(session, result, batch, counts)
                result.counts.add(counts)
                result.requests += batch.requests
                result.item_errors.extend(batch.errors)
                seen.add(counts.item_ids, batch.skipped_keys)
                if on_batch is not None:
                    on_batch(batch, counts)
                collect_batch_garbage()
            if mode == "full":
                result.counts.deleted += self._reconcile(seen)
            result.status = "succeeded"
        except (ConnectorError, TrainyardError) as exc:
            result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # recorded on the run, then re-raised for the caller to see
            result.status = "failed"
            result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
            self._finish(result)
            raise
        self._finish(result)
        return result

    def _batches(self, since: str | None) -> Iterator[RecordBatch]:
        """The connector's batches as they are applied: the connector runs ahead in a worker
        thread (by up to the source's ``commit_items`` items), and the batches it has ready
        when the last commit ends are merged into one (sync.merge), up to as many.

        Each batch costs the store a fixed set of statements and a commit besides its rows;
        a store slower than the tracker so writes fewer, larger transactions and catches up,
        while one faster than it commits each batch as it comes (never holding one back
        while the tracker is slow or asks to wait)."""
        limit = self.source.commit_items
        ready = read_ahead_groups(lambda: self.connector.pull(since), limit, limit, _batch_size)
        for group in ready:
            yield from merges(group)

    def _reconcile(self, seen: SeenItems) -> int:
        """Soft-delete items of this source that a complete full pull did not return.

        Called only when the connector's pull ended without raising: a connector that read
        fewer items than its tracker reported raises instead (Jira: SearchShortfall), and an
        item it read but could not map is in ``seen`` through ``skipped_keys``."""
        now = datetime.now(UTC)
        with self.sessions() as session, session.begin():
            # streamed: a server-side cursor on PostgreSQL, whose driver otherwise reads
            # every row of the answer at once
            stored = session.execute(
                select(WorkItem.id, WorkItem.key)
                .where(WorkItem.source_id == self.source_id, WorkItem.deleted.is_(False))
                .execution_options(yield_per=RECONCILE_ROWS)
            )
            gone = sorted(seen.missing(stored.partitions()))
            if gone:
                batch = RecordBatch(deletions=[Deletion(k) for k in gone])
                return self.applier.apply(session, batch, now).deleted
        return 0

    def _record_committed(
        self, session: Session, result: PullResult, batch: RecordBatch, counts: ApplyCounts
    ) -> None:
        """Keep the run's counts at what is committed, in the batch's own transaction: a run
        whose process dies mid-pull still says what it had stored."""
        done = replace(result.counts)
        done.add(counts)
        skipped = len(result.item_errors) + len(batch.errors)
        tally = _tally(done, result.requests + batch.requests, skipped)
        session.execute(update(SyncRun).where(SyncRun.id == result.run_id).values(**tally))

    def _finish(self, result: PullResult) -> None:
        c = result.counts
        self._log_run(result)
        with self.sessions() as session, session.begin():
            emit(
                session,
                "sync.completed" if result.status == "succeeded" else "sync.failed",
                {
                    "source": self.source.name,
                    "kind": self.source.kind,
                    "art": self.source.art,
                    "run_id": result.run_id,  # the run's id in /api/v1/sync-runs
                    "mode": result.mode,
                    "status": result.status,
                    "fetched": c.fetched,
                    "created": c.created,
                    "updated": c.updated,
                    "deleted": c.deleted,
                    "skipped": len(result.item_errors),
                    "requests": result.requests,
                    "error": result.error,
                },
            )
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == result.run_id)
                .values(
                    status=result.status,
                    finished_at=datetime.now(UTC),
                    **_tally(c, result.requests, len(result.item_errors)),
                    error=result.error,
                    item_errors=result.item_errors[:1000],
                )
            )

    def _log_run(self, result: PullResult) -> None:
        """One line per sync run: source, mode, counts, requests, seconds, outcome."""
        c, seconds = result.counts, time.monotonic() - result.started
        fields = {
            "source": self.source.name,
            "mode": result.mode,
            "counts": _tally(c, result.requests, len(result.item_errors)),
            "seconds": round(seconds, 2),
            "outcome": result.status,
        }
        error = f": {result.error.splitlines()[0]}" if result.error else ""
        log.log(
            logging.INFO if result.status == "succeeded" else logging.WARNING,
            "sync of %s (%s) %s%s; fetched %d, created %d, updated %d, deleted %d, "
            "skipped %d, requests %d, %.2f s",
            *(self.source.name, result.mode, result.status, error),
            *(c.fetched, c.created, c.updated, c.deleted, len(result.item_errors)),
            *(result.requests, seconds),
            extra=fields,
        )

    def close(self) -> None:
        self.connector.close()
