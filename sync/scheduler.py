"""Pulls and the webhook inbox of one process, as thin jobs for the worker's one scheduler.

Every process builds a ``SyncService``. The web receives webhooks through it (verified and
parsed by the source's one connector) and starts the pulls asked for through the API. A
worker (``trainyard worker``, or ``trainyard start``) also adds its jobs to the worker's
scheduler (:meth:`SyncService.schedule`): per source an incremental pull on its interval, a
full reconciliation on its cron, and the inbox drain. A pull holds its source's lease
(``sync.pull_lease``) and a drain the lease ``inbox:<source>``, so any number of workers run
each once. The drain polls the inbox every half second, so a webhook stored by a web process
elsewhere is applied within moments; a receiver in the same process wakes it at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from contextlib import suppress
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from art.config import SourceConfig, TrainyardConfig
from art.errors import NotFound, TrainyardError
from art.models import InboxEvent
from art.records import RecordBatch
from art.store.lease import holder_id
from connectors.base import make_connector
from connectors.metadata import SourceMetadata
from sync.apply import ApplyCounts, BatchApplier
from sync.inbox import InboxWorker, Receipt, receive
from sync.jobs import FREQUENT, alone, holding
from sync.pull_lease import run_held_pull, run_leased_pull, take_lease
from sync.runner import PullResult, source_row

log = logging.getLogger(__name__)
INBOX_EVERY = 0.5  # seconds between two looks at a source's inbox
INBOX_LEASE_TTL = timedelta(seconds=30)  # a dead worker's sources drain elsewhere after this
PULL_STOP_WAIT = 30.0  # seconds a stopping process waits for its API-started pulls


class PullStopped(TrainyardError):
    """The process is stopping: the pull ends after the batch it has just committed."""


class SyncService:
    """The sources of one process: their inboxes, connectors, pulls and jobs."""

    def __init__(self, sessions: sessionmaker[Session], config: TrainyardConfig) -> None:
        self.sessions = sessions
        self.config = config
        # each source's tracker metadata, kept between the pulls and fetches of this process
        self.metadata = {
            s.name: SourceMetadata(s.metadata_ttl_minutes * 60) for s in config.sources
        }
        self.inboxes: dict[str, InboxWorker] = {s.name: self._inbox(s) for s in config.sources}
        self.holder = holder_id()  # this process, as the holder of inbox leases
        self.stopping = threading.Event()
        self._draining = {name: threading.Lock() for name in self.inboxes}
        self._scheduler: BaseScheduler | None = None  # set when this process drains
        self._pulls: list[threading.Thread] = []

    def _inbox(self, source: SourceConfig) -> InboxWorker:
        with self.sessions() as session:
            row = source_row(session, source.name)
            source_id, art_id = row.id, row.art_id
        assert art_id is not None
        art_cfg = self.config.art(source.art)
        return InboxWorker(
            self.sessions,
            source_id,
            BatchApplier(source_id, art_id, art_cfg, source),
            lambda: make_connector(source, list(art_cfg.pis), self.metadata[source.name]),
        )

    def source(self, name: str, kind: str | None = None) -> SourceConfig:
        """The configured source ``name`` (of tracker ``kind`` when given), else NotFound."""
        cfg = next((s for s in self.config.sources if s.name == name), None)
        if cfg is None or (kind is not None and cfg.kind != kind):
            raise NotFound(f"no {kind + ' ' if kind else ''}source named '{name}' is configured")
        return cfg

    # -- webhooks in ----------------------------------------------------------------------
    def receive(self, name: str, kind: str, headers: Mapping[str, str], body: bytes) -> Receipt:
        """Verify, parse and store one delivery to source ``name`` of ``kind`` (NotFound,
        WebhookRejected, NotJson); when this process drains the inbox, the parsed event is
        handed to the drain, which is woken."""
        self.source(name, kind)
        inbox = self.inboxes[name]
        receipt = receive(self.sessions, inbox.source_id, inbox.connector, headers, body)
        if self._scheduler is not None and receipt.event is not None and not receipt.duplicate:
            assert receipt.event_id is not None
            inbox.hand_over(receipt.event_id, receipt.event)
            self.wake(name)
        return receipt

    def wake(self, name: str) -> None:
        """Run the inbox job of ``name`` now (when this process runs it)."""
        scheduler = self._scheduler
        if scheduler is None or not scheduler.running:
            return
        with suppress(JobLookupError):  # the scheduler is shutting down
            scheduler.modify_job(f"inbox:{name}", next_run_time=datetime.now(UTC))

    def drain(self, name: str) -> int:
        """The inbox job: apply the source's pending events, group after group, holding the
        lease ``inbox:<source>``; returns how many were done (0: none, or drained elsewhere)."""
        inbox = self.inboxes[name]
        with alone(self._draining[name]) as mine:
            if not mine or self.stopping.is_set() or inbox.backoff() > 0:
                return 0
            if not self._pending(inbox.source_id):
                return 0  # the usual case: a read, no lease written
            with holding(self.sessions, f"inbox:{name}", self.holder, INBOX_LEASE_TTL) as beat:
                done = 0
                while beat is not None and not (self.stopping.is_set() or beat.lost.is_set()):
                    applied = inbox.process_pending()
                    if not applied:
                        break
                    done += applied
                return done

    def _pending(self, source_id: int) -> bool:
        with self.sessions() as session:
            first = session.scalars(
                select(InboxEvent.id)
                .where(InboxEvent.source_id == source_id, InboxEvent.status == "pending")
                .limit(1)
            ).first()
        return first is not None

    # -- pulls ----------------------------------------------------------------------------
    def pull(self, name: str, full: bool) -> PullResult | None:
        """The scheduled pull of source ``name``; None when another pull holds its lease."""
        if self.stopping.is_set():
            return None
        return run_leased_pull(
            self.sessions,
            self.config,
            self.source(name),
            full,
            on_batch=self._check_stop,
            metadata=self.metadata[name],
        )

    def start_pull(self, source: SourceConfig, full: bool) -> threading.Thread:
        """Take the source's lease now and run its pull in a background thread of this
        process (the admin endpoint); SourceBusy, at once, when another pull of it runs."""
        holder = take_lease(self.sessions, source.name)
        thread = threading.Thread(
            target=run_held_pull,
            args=(self.sessions, self.config, source, full, holder),
            kwargs={"on_batch": self._check_stop, "metadata": self.metadata[source.name]},
            name=f"pull:{source.name}",
            daemon=True,
        )
        thread.start()
        self._pulls = [t for t in self._pulls if t.is_alive()] + [thread]
        return thread

    def _check_stop(self, batch: RecordBatch, counts: ApplyCounts) -> None:
        """After each committed batch: end the pull when the process is stopping."""
        if self.stopping.is_set():
            raise PullStopped(
                "the process running this pull is stopping; the batches committed so far "
                "are kept and the next pull resumes from them"
            )

    # -- the worker's jobs ----------------------------------------------------------------
    def schedule(self, scheduler: BaseScheduler, *, pulls: bool, first_full: bool) -> None:
        """Add this process's sync jobs to the worker's ``scheduler``.

        Always each source's inbox drain. With ``pulls``: each source's incremental pull,
        first at once and then every ``incremental_every_minutes``, and its full
        reconciliation on ``full_cron`` (UTC). With ``first_full`` (the demo): a full pull
        of each source at once instead, whatever ``pulls`` says."""
        self._scheduler = scheduler
        now = datetime.now(UTC)
        for source in self.config.sources:
            name = source.name
            scheduler.add_job(
                self.drain,
                IntervalTrigger(seconds=INBOX_EVERY),
                args=[name],
                id=f"inbox:{name}",
                replace_existing=True,
                **FREQUENT,
            )
            if first_full:
                scheduler.add_job(
                    self.pull, args=[name, True], id=f"first-pull:{name}", replace_existing=True
                )
            if not pulls:
                continue
            at_once = {} if first_full else {"next_run_time": now}  # None would pause it
            scheduler.add_job(
                self.pull,
                IntervalTrigger(minutes=source.incremental_every_minutes),
                args=[name, False],
                id=f"incremental:{name}",
                replace_existing=True,
                **at_once,
            )
            scheduler.add_job(
                self.pull,
                CronTrigger.from_crontab(source.full_cron, timezone="UTC"),
                args=[name, True],
                id=f"full:{name}",
                replace_existing=True,
            )

    def stop(self) -> None:
        """Ask running pulls and drains to end after their current batch or group."""
        self.stopping.set()

    def close(self) -> None:
        """Stop; wait a while for pulls started through the API; close the connectors."""
        self.stop()
        for thread in self._pulls:
            thread.join(timeout=PULL_STOP_WAIT)
        for inbox in self.inboxes.values():
            inbox.close()
