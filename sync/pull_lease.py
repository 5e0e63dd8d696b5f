"""One pull of a source at a time, held by the pull itself, not by the process running it.

Every pull (scheduled, asked for through the API, or ``trainyard sync``) takes the lease
``pull:<source>`` under a holder id of its own, keeps it with a short expiry renewed by a
heartbeat while it runs, and gives it back when it ends. A second pull of the source while one
runs is refused (:class:`SourceBusy`: 409 in the API, a non-zero exit in the CLI) and never
touches the running one, even in the same process. A holder that dies stops renewing, so its
source is free again within one expiry; the next pull then closes the run it left ``running``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from art import sync_queries as q
from art.config import SourceConfig, TrainyardConfig
from art.errors import Conflict, TrainyardError
from art.records import RecordBatch
from art.store.lease import Heartbeat, holder_id, live_holder, release, try_acquire
from connectors.base import Connector
from connectors.metadata import SourceMetadata
from sync.apply import ApplyCounts
from sync.runner import ProgressHook, PullResult, PullRunner

log = logging.getLogger(__name__)
# a dead holder frees its source within a minute; the heartbeat renews every 20 seconds
LEASE_TTL = timedelta(seconds=60)


def lease_name(source: str) -> str:
    return f"pull:{source}"


class SourceBusy(Conflict):
    """Another pull of the source holds its lease: this one did not start."""

    title = "Pull already running"


class LeaseLost(TrainyardError):
    """The pull stalled past its lease's expiry and another pull took the source over."""


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def busy(sessions: sessionmaker[Session], source: str) -> SourceBusy:
    """The refusal naming the pull that holds ``source``: its run, holder and lease expiry."""
    name = lease_name(source)
    holder = live_holder(sessions, name)
    with sessions() as session:
        run = q.running_run(session, source)
    if holder is None:
        return SourceBusy(
            f"another pull of source '{source}' held its lease '{name}' and has just "
            "finished; try again"
        )
    what = (
        f"sync run {run.id} ({run.mode}, started {_at(run.started_at)})"
        if run is not None
        else "its sync run is starting"
    )
    return SourceBusy(
        f"another pull of source '{source}' is running: {what}; it holds the lease '{name}' "
        f"as {holder.holder} until {_at(holder.expires_at)} and renews it while it runs; "
        "try again when it has finished"
    )


def take_lease(sessions: sessionmaker[Session], source: str, ttl: timedelta = LEASE_TTL) -> str:
    """Take ``source``'s pull lease for a new pull; its holder id, or SourceBusy."""
    holder = holder_id()
    if not try_acquire(sessions, lease_name(source), holder, ttl):
        raise busy(sessions, source)
    return holder


def run_leased_pull(
    sessions: sessionmaker[Session],
    config: TrainyardConfig,
    source: SourceConfig,
    full: bool,
    holder: str | None = None,
    connector: Connector | None = None,
    on_batch: ProgressHook | None = None,
    ttl: timedelta = LEASE_TTL,
    metadata: SourceMetadata | None = None,
) -> PullResult | None:
    """Run one pull unless another pull holds the source's lease; None when skipped.

    ``holder`` names this pull in the lease (a new id when None): one id per pull, never
    one per process, or a second pull in the process would pass as the first one renewing.
    """
    holder = holder or holder_id()
    if not try_acquire(sessions, lease_name(source.name), holder, ttl):
        log.info("pull of %s skipped: another pull holds its lease", source.name)
        return None
    return run_held_pull(sessions, config, source, full, holder, connector, on_batch, ttl, metadata)


def run_held_pull(
    sessions: sessionmaker[Session],
    config: TrainyardConfig,
    source: SourceConfig,
    full: bool,
    holder: str,
    connector: Connector | None = None,
    on_batch: ProgressHook | None = None,
    ttl: timedelta = LEASE_TTL,
    metadata: SourceMetadata | None = None,
) -> PullResult:
    """Run a pull whose lease ``holder`` has taken: renewed while it runs, released after."""
    name = lease_name(source.name)
    runner: PullRunner | None = None
    try:
        runner = PullRunner(sessions, config, source, connector=connector, metadata=metadata)
        with Heartbeat(sessions, name, holder, ttl) as heartbeat:

            def checked(batch: RecordBatch, counts: ApplyCounts) -> None:
                if heartbeat.lost.is_set():
                    raise LeaseLost(
                        f"the pull of source '{source.name}' stalled past its lease's expiry "
                        f"and another pull took the lease '{name}' over; this one stopped"
                    )
                if on_batch is not None:
                    on_batch(batch, counts)

            abandoned = runner.close_abandoned()
            if abandoned:
                log.warning("%d pull(s) of %s were abandoned by a dead holder", abandoned, name)
            return runner.run(full=full, on_batch=checked)
    finally:
        if runner is not None:
            runner.close()
        release(sessions, name, holder)
