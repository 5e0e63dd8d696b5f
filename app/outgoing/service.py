"""Outgoing webhooks of one process, as two jobs of the worker's scheduler.

``deliver`` (every half second) turns new outbox events into deliveries and sends the ones
that are due; ``watch`` (every ten seconds) re-evaluates the figures that raise events of
their own (app/outgoing/watch.py). Sending holds the lease ``outgoing`` and watching the
lease ``watch``, so several workers send each delivery once and decide each event once.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from app.outgoing.dispatcher import dispatch
from app.outgoing.sender import DeliveryWorker, SenderPolicy
from app.outgoing.watch import ReportWatcher
from app.reports.service import ReportService
from app.settings import Settings
from art.store.lease import holder_id, release
from sync.jobs import FREQUENT, alone, holding

log = logging.getLogger(__name__)
DELIVER_EVERY = 0.5  # seconds between two looks at the outbox and the due deliveries
WATCH_EVERY = 10.0  # seconds between re-evaluations: each may re-load a changed ART in full
LEASE_TTL = timedelta(seconds=60)  # a dead worker's sending and watching move on after this


def policy_from(settings: Settings) -> SenderPolicy:
    return SenderPolicy(
        scale=settings.webhook_retry_scale,
        allow_private=settings.webhook_allow_private_urls,
        allow_loopback=settings.webhook_allow_loopback,
    )


class OutgoingService:
    """Outbox -> deliveries -> HTTP, and the figure watcher; jobs for the worker."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, reports: ReportService
    ) -> None:
        self.sessions = sessions
        self.watcher = ReportWatcher(sessions, reports)
        self.sender = DeliveryWorker(sessions, policy_from(settings))
        self.holder = holder_id()  # this process, as the holder of the two leases
        self.stopping = threading.Event()
        self._delivering = threading.Lock()
        self._watching = threading.Lock()
        self._watched = False  # this process has held the lease ``watch``

    def deliver(self) -> int:
        """The delivery job: dispatch new outbox events, then (holding the lease
        ``outgoing``) attempt the due deliveries once; returns the attempts made."""
        with alone(self._delivering) as mine:
            if not mine or self.stopping.is_set():
                return 0
            with self.sessions() as session, session.begin():
                dispatch(session)  # safe beside another worker: a delivery is unique per event
            if not self.sender.due(limit=1):
                return 0  # the usual case: reads only, no lease written
            with holding(self.sessions, "outgoing", self.holder, LEASE_TTL) as beat:
                if beat is None:
                    return 0  # another worker is sending
                lost = beat.lost  # another worker took the lease over: stop sending
                return self.sender.run_due(stop=lambda: self.stopping.is_set() or lost.is_set())

    def watch(self) -> int:
        """The watcher job: events decided by the figures; returns the events written. One
        worker keeps the lease ``watch`` while it lives, so the others do not recompute."""
        with alone(self._watching) as mine:
            if not mine or self.stopping.is_set():
                return 0
            with holding(self.sessions, "watch", self.holder, LEASE_TTL, keep=True) as beat:
                if beat is None:
                    return 0
                self._watched = True
                try:
                    return self.watcher.check_all()
                except Exception:  # a report failing must not stop the job
                    log.exception("figure-driven events could not be evaluated")
                    return 0

    def schedule(self, scheduler: BaseScheduler) -> None:
        """Add the delivery job and the watcher job (first run at once) to ``scheduler``."""
        scheduler.add_job(
            self.deliver,
            IntervalTrigger(seconds=DELIVER_EVERY),
            id="outgoing",
            replace_existing=True,
            **FREQUENT,
        )
        scheduler.add_job(
            self.watch,
            IntervalTrigger(seconds=WATCH_EVERY),
            id="watch",
            next_run_time=datetime.now(UTC),
            replace_existing=True,
            **FREQUENT,
        )

    def stop(self) -> None:
        """Ask a running delivery round to end after the delivery it is sending."""
        self.stopping.set()

    def close(self) -> None:
        """Stop; hand the watcher's lease on at once; close the HTTP client."""
        self.stop()
        if self._watched:
            release(self.sessions, "watch", self.holder)
        self.sender.close()
