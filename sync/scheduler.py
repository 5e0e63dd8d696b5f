"""Scheduled pulls and the inbox worker, inside the service process.

APScheduler runs each source's incremental pull on its interval and a full reconciliation
on its cron; a database lease held by each pull (``sync.pull_lease``) makes each run happen
on exactly one replica, and never twice at once in one. The inbox worker
is a thread woken by the webhook receiver, so a pushed change is applied within moments.
"""

from __future__ import annotations

import logging
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from art.config import SourceConfig, TrainyardConfig
from connectors.base import make_connector
from sync.apply import BatchApplier
from sync.inbox import InboxWorker
from sync.pull_lease import SourceBusy, run_held_pull, run_leased_pull, take_lease
from sync.runner import source_row

log = logging.getLogger(__name__)


class SyncService:
    """Owns the scheduler and the inbox workers of one process."""

    def __init__(self, sessions: sessionmaker[Session], config: TrainyardConfig) -> None:
        self.sessions = sessions
        self.config = config
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.workers: dict[str, InboxWorker] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        for source in config.sources:
            self.workers[source.name] = self._worker(source)

    def _worker(self, source: SourceConfig) -> InboxWorker:
        with self.sessions() as session:
            row = source_row(session, source.name)
            source_id, art_id = row.id, row.art_id
        assert art_id is not None
        art_cfg = self.config.art(source.art)
        return InboxWorker(
            self.sessions,
            source_id,
            BatchApplier(source_id, art_id, art_cfg),
            lambda: make_connector(source, list(art_cfg.pis)),
        )

    def start(self, schedule: bool = True) -> None:
        """Start inbox workers, and (``schedule``) the periodic pulls."""
        if schedule:
            self.schedule_jobs()
            self.scheduler.start()
        for name, worker in self.workers.items():
            thread = threading.Thread(
                target=self._drain, args=(worker,), name=f"inbox:{name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def schedule_jobs(self) -> None:
        """One incremental interval job and one full-reconciliation cron job per source."""
        for source in self.config.sources:
            self.scheduler.add_job(
                run_leased_pull,
                IntervalTrigger(minutes=source.incremental_every_minutes),
                args=[self.sessions, self.config, source, False],
                id=f"incremental:{source.name}",
                max_instances=1,
                coalesce=True,
                replace_existing=True,
            )
            self.scheduler.add_job(
                run_leased_pull,
                CronTrigger.from_crontab(source.full_cron, timezone="UTC"),
                args=[self.sessions, self.config, source, True],
                id=f"full:{source.name}",
                max_instances=1,
                coalesce=True,
                replace_existing=True,
            )

    def _drain(self, worker: InboxWorker) -> None:
        """Apply events as they arrive: woken by the receiver, polling as a fallback."""
        while not self._stop.is_set():
            try:
                while worker.process_pending():
                    pass
            except Exception:  # the loop must survive a broken database moment
                log.exception("inbox worker error")
            # a throttled tracker is left alone until its backoff ends, webhooks or not
            backoff = worker.backoff()
            if backoff > 0:
                self._stop.wait(timeout=backoff)
                continue
            worker.wake.wait(timeout=1.0)
            worker.wake.clear()

    def notify(self, source: str) -> None:
        """A webhook was stored for ``source``: wake its worker now."""
        worker = self.workers.get(source)
        if worker is not None:
            worker.wake.set()

    def start_pull(self, source: SourceConfig, full: bool) -> threading.Thread:
        """Take the source's lease now and run its pull in a background thread (the admin
        endpoint); SourceBusy, at once, when another pull of it is running."""
        holder = take_lease(self.sessions, source.name)
        thread = threading.Thread(
            target=run_held_pull,
            args=(self.sessions, self.config, source, full, holder),
            name=f"pull:{source.name}",
            daemon=True,
        )
        thread.start()
        return thread

    def trigger(self, source: SourceConfig, full: bool) -> threading.Thread | None:
        """Start a pull of ``source`` unless one is running (the demo's first pull)."""
        try:
            return self.start_pull(source, full)
        except SourceBusy as exc:
            log.info("pull of %s not started: %s", source.name, exc)
            return None

    def stop(self) -> None:
        self._stop.set()
        for worker in self.workers.values():
            worker.wake.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        for thread in self._threads:
            thread.join(timeout=5)
        for worker in self.workers.values():
            worker.close()
