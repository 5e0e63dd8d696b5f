"""The outgoing-webhook loop of one process: dispatch the outbox, send what is due."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from app.outgoing.dispatcher import dispatch
from app.outgoing.sender import DeliveryWorker, SenderPolicy
from app.outgoing.watch import ReportWatcher
from app.reports.service import ReportService
from app.settings import Settings

log = logging.getLogger(__name__)
WATCH_EVERY = 10.0  # seconds between re-evaluations: each may re-load a changed ART in full


def policy_from(settings: Settings) -> SenderPolicy:
    return SenderPolicy(
        scale=settings.webhook_retry_scale,
        allow_private=settings.webhook_allow_private_urls,
        allow_loopback=settings.webhook_allow_loopback,
    )


class OutgoingService:
    """A daemon thread: outbox -> deliveries -> HTTP, woken when events are written."""

    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, reports: ReportService
    ) -> None:
        self.sessions = sessions
        self.watcher = ReportWatcher(sessions, reports)
        self._next_watch = 0.0
        self.worker = DeliveryWorker(sessions, policy_from(settings))
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhooks-out", daemon=True)

    def step(self) -> int:
        """One round: decide figure-driven events, dispatch new events, attempt due deliveries;
        returns the delivery attempts made."""
        if time.monotonic() >= self._next_watch:
            self._next_watch = time.monotonic() + WATCH_EVERY
            try:
                self.watcher.check_all()
            except Exception:  # a report failing must not hold back deliveries
                log.exception("figure-driven events could not be evaluated")
        with self.sessions() as session, session.begin():
            dispatch(session)
        return self.worker.run_due()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # keep delivering after a transient database error
                log.exception("outgoing webhook round failed")
            self.wake.wait(timeout=0.5)
            self.wake.clear()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.worker.close()
