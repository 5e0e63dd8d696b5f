"""Digests: compose, preview, send, and the cron schedule that sends them.

Each digest has a cron schedule in its own time zone. Every replica may schedule it; a
database lease per digest and fire time makes exactly one of them send it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.digests.compose import DigestContent, compose
from app.digests.mailer import build_message, send
from app.digests.render import render_html, render_text
from app.reports.service import ReportService
from app.settings import Settings
from art.models import ART, Digest
from art.store.lease import holder_id, try_acquire

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str
    content: DigestContent


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
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.holder = holder_id()

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
        return Rendered(
            subject, render_html(subject, content), render_text(subject, content), content
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
            rendered.html,
            rendered.content.images,
        )
        send(self.settings, msg)
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

    def reschedule(self) -> None:
        """(Re)load every active digest's cron job."""
        with self.sessions() as session:
            digests = session.scalars(select(Digest).where(Digest.active.is_(True))).all()
        wanted = {f"digest:{d.id}": d for d in digests}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        for job_id, d in wanted.items():
            self.scheduler.add_job(
                self._fire,
                cron_trigger(d.cron, d.timezone),
                args=[d.id],
                id=job_id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
            )

    def start(self) -> None:
        self.reschedule()
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    @staticmethod
    def next_run(cron: str, timezone: str, active: bool = True) -> datetime | None:
        """When the schedule fires next (computed from the cron, running scheduler or not)."""
        if not active:
            return None
        fire: datetime | None = cron_trigger(cron, timezone).get_next_fire_time(
            None, datetime.now(UTC)
        )
        return fire
