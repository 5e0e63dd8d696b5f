"""Digests: compose, preview, send, and the cron jobs that send them.

Each digest has a cron schedule in its own time zone, run as a job of the worker's scheduler.
Every worker may schedule it; a database lease per digest and fire time makes exactly one of
them send it. Digests are created and changed through the web, maybe in another process, so
the worker reloads them every half minute (and at once when the web runs in its process).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.digests.compose import DigestContent, compose
from app.digests.mailer import build_message, send
from app.digests.render import inline_images, render_html, render_text
from app.reports.service import ReportService
from app.settings import Settings
from art.models import ART, Digest
from art.store.lease import holder_id, try_acquire

log = logging.getLogger(__name__)
RELOAD_EVERY = 30.0  # seconds before a digest changed through another process is scheduled


@dataclass(frozen=True)
class Rendered:
    """A composed digest. ``html`` shows in a browser (charts as data: URIs, the preview);
    ``mail_html`` is what is e-mailed (charts by Content-ID, attached)."""

    subject: str
    html: str
    text: str
    content: DigestContent
    mail_html: str


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """The trigger of a digest; ValueError naming what is wrong with the expression."""
    return CronTrigger.from_crontab(cron, timezone=timezone)


class DigestService:
    def __init__(
        self, sessions: sessionmaker[Session], reports: ReportService, settings: Settings
    ) -> None:
        self.sessions = sessions
        self.reports = reports
        self.settings = settings
        self.holder = holder_id()
        self._scheduler: BaseScheduler | None = None  # the worker's, when this process runs it
        self._scheduled: dict[str, tuple[str, str]] = {}  # job id -> (cron, time zone)
        self._lock = threading.Lock()  # the reload job and the routes both reschedule

    def render(self, digest_id: int, as_of: datetime | None = None) -> Rendered:
        with self.sessions() as session:
            row = session.execute(
                select(Digest, ART.name)
                .join(ART, ART.id == Digest.art_id)
                .where(Digest.id == digest_id)
            ).one()
            digest, art = row[0], row[1]
        at = as_of or datetime.now(UTC)
        content = compose(
            self.reports,
            self.sessions,
            art,
            list(digest.sections),
            at,
            digest.last_sent_at,
            digest.last_snapshot,
        )
        subject = f"{digest.name}: {art} digest for {content.today.isoformat()}"
        mail_html = render_html(subject, content)
        return Rendered(
            subject,
            inline_images(mail_html, content.images),
            render_text(subject, content),
            content,
            mail_html,
        )

    def send_now(self, digest_id: int, as_of: datetime | None = None) -> Rendered:
        """Compose and send; remember when and what was sent for the next 'what changed'."""
        rendered = self.render(digest_id, as_of)
        with self.sessions() as session:
            digest = session.get(Digest, digest_id)
            assert digest is not None
            recipients = list(digest.recipients)
        msg = build_message(
            self.settings.smtp_from,
            recipients,
            rendered.subject,
            rendered.text,
            rendered.mail_html,
            rendered.content.images,
        )
        started = time.monotonic()
        send(self.settings, msg)
        log.info(
            "digest %s sent to %d recipient(s): %s (%d chart(s), %.2f s)",
            digest_id,
            len(recipients),
            rendered.subject,
            len(rendered.content.images),
            time.monotonic() - started,
            extra={"digest": digest_id, "recipients": len(recipients)},
        )
        with self.sessions() as session, session.begin():
            session.execute(
                update(Digest)
                .where(Digest.id == digest_id)
                .values(
                    last_sent_at=rendered.content.as_of, last_snapshot=rendered.content.snapshot
                )
            )
        return rendered

    # -- schedule ---------------------------------------------------------------------------
    def _fire(self, digest_id: int) -> None:
        fired = datetime.now(UTC).replace(second=0, microsecond=0)
        if not try_acquire(
            self.sessions,
            f"digest:{digest_id}:{fired.isoformat()}",
            self.holder,
            timedelta(hours=1),
        ):
            return  # another replica sends this one
        try:
            self.send_now(digest_id)
        except Exception:
            log.exception("digest %s could not be sent", digest_id)

    def schedule(self, scheduler: BaseScheduler) -> None:
        """Add each active digest's cron job to the worker's ``scheduler``, and the job that
        reloads them every ``RELOAD_EVERY`` seconds."""
        self._scheduler = scheduler
        self.reschedule()
        scheduler.add_job(
            self.reschedule,
            IntervalTrigger(seconds=RELOAD_EVERY),
            id="digests:reload",
            replace_existing=True,
        )

    def reschedule(self) -> None:
        """Bring the digest jobs in line with the active digests: new and changed ones
        (re)scheduled, stopped ones removed. Nothing to do in a process that runs no worker:
        the worker reloads them itself."""
        scheduler = self._scheduler
        if scheduler is None:
            return
        with self.sessions() as session:
            digests = session.scalars(select(Digest).where(Digest.active.is_(True))).all()
        wanted = {f"digest:{d.id}": (d.id, d.cron, d.timezone) for d in digests}
        with self._lock:
            for job_id in set(self._scheduled) - set(wanted):
                with suppress(JobLookupError):
                    scheduler.remove_job(job_id)
                del self._scheduled[job_id]
            for job_id, (digest_id, cron, timezone) in wanted.items():
                if self._scheduled.get(job_id) == (cron, timezone):
                    continue
                try:
                    trigger = cron_trigger(cron, timezone)
                except (ValueError, LookupError) as exc:  # checked by the API; not by hand
                    log.error("digest %s is not scheduled: cron '%s': %s", digest_id, cron, exc)
                    continue
                scheduler.add_job(
                    self._fire, trigger, args=[digest_id], id=job_id, replace_existing=True
                )
                self._scheduled[job_id] = (cron, timezone)

    @staticmethod
    def next_run(cron: str, timezone: str, active: bool = True) -> datetime | None:
        """When the schedule fires next (computed from the cron, running scheduler or not)."""
        if not active:
            return None
        fire: datetime | None = cron_trigger(cron, timezone).get_next_fire_time(
            None, datetime.now(UTC)
        )
        return fire
