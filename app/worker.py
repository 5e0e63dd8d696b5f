"""The worker: every background job of Trainyard under one APScheduler.

``trainyard worker`` runs it alone, ``trainyard start`` beside the web in one process, and
``trainyard serve`` never. Each job is thin: it calls one service method, which opens its own
sessions and, where the work must happen once however many workers run, holds a lease.

| job                    | runs                                              | does              |
|------------------------|---------------------------------------------------|-------------------|
| `inbox:<source>`       | every 0.5 s; at once when this process stores one | applies webhooks  |
| `incremental:<source>` | at start, then every `incremental_every_minutes`  | incremental pull  |
| `full:<source>`        | `full_cron` (UTC)                                 | full pull         |
| `first-pull:<source>`  | once at start, the demo only                      | full pull         |
| `outgoing`             | every 0.5 s                                       | sends deliveries  |
| `watch`                | every 10 s                                        | figure events     |
| `digest:<id>`          | the digest's cron, in its time zone               | sends the digest  |
| `digests:reload`       | every 30 s                                        | reschedules them  |
| `baselines`            | at start, then every 5 minutes                    | freezes PI plans  |
| `reporting`            | at start, then every minute                       | BI tables (bi.md) |

With ``TRAINYARD_SCHEDULER=false`` (``--no-scheduler``) the pulls (but the demo's first one),
digests, baselines and the reporting tables are left out: the worker then only applies
webhooks and sends events.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from app.reporting.refresh import refresh_all
from app.settings import Settings
from app.state import AppState, build_state, close_state, database_shown
from art.config import TrainyardConfig

log = logging.getLogger(__name__)


class Worker:
    """One scheduler and the jobs of a process's services."""

    def __init__(self, state: AppState) -> None:
        self.state = state
        # threads: a pull per source may run for minutes beside the frequent jobs
        threads = 8 + 2 * len(state.config.sources)
        self.scheduler = BackgroundScheduler(
            timezone="UTC",
            executors={"default": ThreadPoolExecutor(threads)},
            # a job that could not start on time (threads busy) runs late, once
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> None:
        state, scheduler = self.state, self.scheduler
        scheduled = state.settings.scheduler
        state.sync.schedule(scheduler, pulls=scheduled, first_full=state.demo is not None)
        state.outgoing.schedule(scheduler)
        if scheduled:
            state.digests.schedule(scheduler)
            self.schedule_baselines()
            self.schedule_reporting()
        jobs = ", ".join(sorted(job.id for job in scheduler.get_jobs()))
        scheduler.start()
        log.info("Trainyard worker started on %s with jobs %s", database_shown(state), jobs)

    def schedule_baselines(self) -> None:
        """Freeze the plan baseline of each PI once it has started (every 5 minutes, first at
        once), so reports compare against the plan as it stood at the start even after the
        trackers' history is rewritten; no read ever stores it."""
        self.scheduler.add_job(
            self._freeze_baselines,
            "interval",
            minutes=5,
            id="baselines",
            next_run_time=datetime.now(UTC),
        )

    def _freeze_baselines(self) -> None:
        for art, pi in self.state.reports.freeze_started_baselines():
            log.info("froze the plan baseline of %s in %s", pi, art)

    def schedule_reporting(self) -> None:
        """Keep the reporting schema's tables (docs/bi.md) at the latest data version and
        day: a minute's check, a write only when an ART's data or the date moved."""
        self.scheduler.add_job(
            self._refresh_reporting,
            "interval",
            minutes=1,
            id="reporting",
            next_run_time=datetime.now(UTC),
        )

    def _refresh_reporting(self) -> None:
        refresh_all(self.state.reports, datetime.now(UTC))

    def stop(self) -> None:
        """Ask running jobs to end after their current batch, group or delivery, and wait."""
        self.state.sync.stop()
        self.state.outgoing.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        log.info("Trainyard worker stopped")


def run_worker(settings: Settings, config: TrainyardConfig) -> None:
    """``trainyard worker``: the worker alone, until SIGTERM or SIGINT; then running jobs
    end after their current batch, group or delivery. A second signal ends it at once."""
    stop = threading.Event()

    def asked(signum: int, frame: FrameType | None) -> None:
        log.info("%s: stopping the worker (again to stop at once)", signal.Signals(signum).name)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, asked)
    state = build_state(settings, config)
    worker = Worker(state)
    try:
        worker.start()
        while not stop.wait(1.0):
            pass
    finally:
        worker.stop()
        close_state(state)
