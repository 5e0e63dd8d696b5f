"""Reports for the API, digests and charts: one loaded ArtData per ART and data version.

Loading an ART is the expensive step (a handful of set-based SELECTs, then an index built on
first use); a report over loaded data is cheap. So the service keeps the last ArtData of each
ART keyed by its ``data_version`` and a cache of finished report bodies keyed by report,
parameters, data version and as-of minute. A new data version is not loaded from scratch:
the latest snapshot of the ART is refreshed with the items changed since (they carry the
data version that changed them), a fraction of a full load on a large ART; a full load is
still made every ``FULL_LOAD_EVERY``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.reports.background import Background
from app.reports.baselines import FrozenPlan, store_plan, stored_plan
from app.reports.cache import LRUCache
from app.reports.collector import collector_paused, freeze_loaded, release_frozen
from app.reports.definition import art_definition, team_aliases
from app.reports.item_links import link_items
from app.reports.loader import ArtSnapshot, refresh_art, snapshot_art
from art.config import TrainyardConfig
from art.db import lookup_sessions
from art.errors import Conflict, NotFound
from art.links import by_name
from art.structure_queries import art_by_name, art_version, pi_by_name
from art.version_watch import VersionWatch
from metrics import plan_at
from metrics.columns import columns
from metrics.dependencies import prepare_dependencies
from metrics.inputs import ArtData, Definition
from metrics.timeline import day_start

log = logging.getLogger(__name__)

FULL_LOAD_EVERY = timedelta(hours=1)  # a periodic full load bounds any drift of refreshes
# How long a reader waits for a new data version's load, or for a report over it, before it is
# served the one before; and the ART size from which it does not wait for more (below, a
# refresh costs a few milliseconds and the reader who notices a new version waits for it).
FRESH_WAIT = 0.1
PATIENT_BELOW = 10_000
# How soon after the start of one refresh of a large ART readers start the next. While data
# arrives (a pull commits a page a second, webhooks land), each refresh of a 50,000-item ART
# and the reports over it cost the service some 150-250 ms of CPU, taken from the readers;
# refreshing at most this often bounds that, and reports lag the store by at most this
# much more under a stream of versions. A small ART (``PATIENT_BELOW``) refreshes each time.
REFRESH_GAP = 2.0


@dataclass(frozen=True)
class Loaded:
    art_id: int
    version: int
    snapshot: ArtSnapshot
    full_at: datetime  # when the chain of refreshes behind this snapshot began with a full load

    @property
    def data(self) -> ArtData:
        return self.snapshot.data


def now_minute() -> datetime:
    """The default as-of time: now, to the minute, so repeats within a minute hit the cache."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def unknown_pi(art: str, data: ArtData, pi: str) -> str:
    """What a request naming a PI the ART does not have is told."""
    known = ", ".join(p.name for p in data.pis) or "none"
    return f"no PI named '{pi}' in {art} (known: {known})"


class ReportService:
    """Loads ARTs and computes report bodies, caching both."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: TrainyardConfig,
        *,
        fresh_wait: float = FRESH_WAIT,
        patient_below: int = PATIENT_BELOW,
        refresh_gap: float = REFRESH_GAP,
    ) -> None:
        self.sessions = sessions
        self._lookups = lookup_sessions(sessions)
        self.versions = VersionWatch(sessions.kw["bind"])  # ARTs' versions, kept while valid
        self.config = config
        self.fresh_wait, self.patient_below = fresh_wait, patient_below
        self.refresh_gap = refresh_gap
        self._refresh_began: dict[int, float] = {}  # per ART id: its last refresh's start
        self._art_ids: dict[str, int] = {}  # ART name -> id, as readers last read it
        self._background = Background()
        # per ART its newest loaded version and the one before, for a request that asked for
        # it just as the next one came: each kept version holds its own columns (about 110 MB
        # at 200,000 items), so keeping more grows a busy service's memory by as much
        self._data: LRUCache[Loaded] = LRUCache(size=2 * max(1, len(config.arts)))
        self._latest: dict[int, Loaded] = {}  # per ART id: what the next version refreshes
        self._latest_lock = threading.Lock()
        self._first_loads: dict[int, threading.Event] = {}  # per ART id: its first load, running
        self.bodies: LRUCache[dict[str, Any]] = LRUCache(size=512)
        # per (ART, report, stand-in parameters): the newest version's body and its key,
        # served to readers while the body of a newer version (or minute) is computed
        self._latest_bodies: LRUCache[tuple[int, Hashable, dict[str, Any]]] = LRUCache(size=512)

    def definition(self, art: str) -> Definition:
        """The ART's rules from the config, with every source's status mapping merged."""
        return art_definition(self.config, art)

    def version(self, art: str) -> tuple[int, int]:
        """(art id, data version); NotFound naming the known ARTs when unknown. The store is
        asked only when a version may have been committed since it was last asked."""
        return self.versions.read_through(("art", art), lambda: self._stored_version(art))

    def _stored_version(self, art: str) -> tuple[int, int]:
        with self._lookups() as session:
            return art_version(session, art)

    def close(self) -> None:
        """Stop watching the store (PostgreSQL: the listener's connection)."""
        self.versions.close()

    def readable_version(self, art: str) -> tuple[int, int]:
        """The (art id, version) a reader is served: the store's once it is loaded; while a
        newer one loads, the reader waits for it at most ``fresh_wait`` seconds from the start
        of that load, then is served the newest loaded version. So a slow refresh (a large ART
        after a burst of changes) never holds up the readers of the version before, and loads
        are made one after another, never side by side. On an ART of fewer than
        ``patient_below`` items (a refresh there costs less than the wait) the reader who
        notices a new version waits for its load, so a lone reader always sees the store's.
        On a larger one, a refresh begins at most every ``refresh_gap`` seconds: until then
        readers are served the newest loaded version, without asking the store for its."""
        held = self._held(art)
        if held is not None:
            return held
        art_id, version = self.version(art)
        with self._latest_lock:
            self._art_ids[art] = art_id
            latest = self._latest.get(art_id)
        if latest is None or latest.version >= version:
            return art_id, version
        key = ("art", art_id)
        task = self._background.running(key)
        budget: float | None = self.fresh_wait
        if task is None:
            patient = self._patient(latest)
            if not patient and not self._refresh_due(art_id):
                return art_id, latest.version
            began = time.monotonic()
            task = self._background.start(key, lambda: self._refresh(art, art_id, version, began))
            budget = None if patient else self.fresh_wait
        task.ready_within(budget)
        if task.failed():
            return art_id, version  # the reader loads it itself, and is told what fails
        with self._latest_lock:
            return art_id, self._latest[art_id].version

    def _held(self, art: str) -> tuple[int, int] | None:
        """The loaded version of a large ART while its refresh gap lasts, else None: readers
        would be served it whatever the store holds, so the store is not asked (the lookup
        was a seventh of a read's CPU while versions streamed in)."""
        with self._latest_lock:
            art_id = self._art_ids.get(art)
            latest = self._latest.get(art_id) if art_id is not None else None
        if art_id is None or latest is None or self._patient(latest):
            return None
        return None if self._refresh_due(art_id) else (art_id, latest.version)

    def _refresh_due(self, art_id: int) -> bool:
        """Whether ``refresh_gap`` has passed since the last refresh readers began that
        succeeded (after a failed one, the next reader tries again and is told why)."""
        with self._latest_lock:
            began = self._refresh_began.get(art_id)
        return began is None or time.monotonic() - began >= self.refresh_gap

    def _refresh(self, art: str, art_id: int, version: int, began: float) -> ArtData:
        """The background load readers start: the ART at ``version``, noting when it began."""
        data = self.data(art, (art_id, version))
        with self._latest_lock:
            self._refresh_began[art_id] = max(began, self._refresh_began.get(art_id, began))
        return data

    def _patient(self, loaded: Loaded | None) -> bool:
        """Whether readers of this ART wait for its new versions and reports (it is small)."""
        return loaded is None or len(loaded.data.items) < self.patient_below

    def data(self, art: str, known: tuple[int, int] | None = None) -> ArtData:
        """The whole ART as of its data version (loaded once per version; a version already
        superseded and no longer kept: the newest loaded); ``known`` is the (art id, version)
        the caller already read, so one request asks the store once."""
        art_id, version = known or self.version(art)
        with self._latest_lock:
            latest = self._latest.get(art_id)
        if latest is not None and latest.version == version:
            return latest.data  # the newest loaded version, whatever the cache evicted
        key = ("art", art_id, version)
        if latest is not None and version < latest.version:
            # a version superseded by a loaded one (a report computed late, say): when it is
            # no longer kept, the newest stands for it, as the store holds nothing older and
            # a load would read the newer rows anyway, at a full load's cost
            kept = self._data.peek(key)
            return latest.data if kept is None else kept.data
        return self._data.get_or_compute(key, lambda: self._load(art, art_id, version)).data

    def _load(self, art: str, art_id: int, version: int) -> Loaded:
        """A full load, or a refresh of the ART's latest snapshot when it is older. While the
        first load of an ART runs, a request for a newer version waits for it and refreshes
        from it: two full loads side by side (the watcher's at start-up and a first reader's,
        say) would each take twice as long, tens of seconds at 200,000 items."""
        with self._latest_lock:
            base = self._latest.get(art_id)
            first = self._first_loads.get(art_id) if base is None else None
            mine = base is None and first is None
            if mine:
                self._first_loads[art_id] = threading.Event()
        if first is not None:
            self._await_first_load(first)
            with self._latest_lock:
                base = self._latest.get(art_id)  # still None if that load failed: load it all
        try:
            return self._load_from(art, art_id, version, base, datetime.now(UTC))
        finally:
            if mine:
                with self._latest_lock:
                    self._first_loads.pop(art_id).set()

    def _await_first_load(self, first: threading.Event) -> None:
        """Wait until the first load of an ART, begun by another request, has ended."""
        first.wait()

    def _load_from(
        self, art: str, art_id: int, version: int, base: Loaded | None, now: datetime
    ) -> Loaded:
        refresh = (
            base is not None and base.version < version and now - base.full_at < FULL_LOAD_EVERY
        )
        if base is not None and not refresh:
            release_frozen()  # the periodic full load; see app.reports.collector
        with collector_paused():
            with self.sessions() as session:
                loaded = self._read(session, art, art_id, version, base if refresh else None, now)
            # what every report reads: built as part of the load, not by the first report
            loaded.data.build_indexes()
            columns(loaded.data)
            prepare_dependencies(loaded.data)
            loaded.snapshot.prepare_refresh()
            freeze_loaded()  # before the collector runs again: see app.reports.collector
        with self._latest_lock:
            latest = self._latest.get(art_id)
            if latest is None or latest.version <= version:
                self._latest[art_id] = loaded
        return loaded

    def _read(
        self,
        session: Session,
        art: str,
        art_id: int,
        version: int,
        base: Loaded | None,
        now: datetime,
    ) -> Loaded:
        """A refresh of ``base``, or with none a full load."""
        definition, aliases = self.definition(art), team_aliases(self.config, art)
        sources = by_name(self.config.sources)
        if base is not None:
            snapshot = refresh_art(
                session, base.snapshot, definition=definition, team_aliases=aliases, sources=sources
            )
            return Loaded(art_id, version, snapshot, base.full_at)
        snapshot = snapshot_art(
            session, art, definition=definition, team_aliases=aliases, sources=sources
        )
        return Loaded(art_id, version, snapshot, now)

    def report(
        self,
        art: str,
        name: str,
        params: Hashable,
        compute: Callable[[ArtData], dict[str, Any]],
        known: tuple[int, int] | None = None,
        *,
        linked: bool = False,
        stand_in: Hashable | None = None,
    ) -> dict[str, Any]:
        """A report body, computed over the ART's data or served from the cache. The body is
        computed over the same data version it is cached under. Its items are given their
        tracker links (app.reports.item_links), unless ``linked``: a report that links its
        own rows (tens of thousands at 200,000 items) spares the walk over every value.

        With ``stand_in`` (the API's readers), while the body of a newer version, or of
        other parameters with the same ``stand_in`` (a new as-of minute), is computed, the
        newest body before may answer instead: at once when another request computes it,
        after at most ``fresh_wait`` on a large ART. Without, the body is the version's own."""
        known = known or self.version(art)

        def with_links() -> dict[str, Any]:
            data = self.data(art, known)
            with collector_paused():  # see app.reports.collector
                body = compute(data)
                return body if linked else link_items(body, data.by_key)

        key = (art, known[1], name, params)
        latest_key = (art, name, params if stand_in is None else stand_in)
        previous = self._latest_bodies.peek(latest_key)
        if (
            stand_in is not None
            and previous is not None
            and previous[1] != key
            and previous[0] <= known[1]
            and self.bodies.peek(key) is None
        ):
            # the body before stands in while this one is computed, if that takes long
            with self._latest_lock:
                patient = self._patient(self._latest.get(known[0]))
            if patient and self.bodies.computing(key):
                return previous[2]
            if not patient:
                task = self._background.start(
                    ("body", key), lambda: self._body(key, latest_key, known[1], with_links)
                )
                if not task.ready_within(self.fresh_wait):
                    return previous[2]
        return self._body(key, latest_key, known[1], with_links)

    def _body(
        self,
        key: tuple[Any, ...],
        latest_key: Hashable,
        version: int,
        compute: Callable[[], dict[str, Any]],
    ) -> dict[str, Any]:
        """The body under ``key``, computed once; kept as the newest of its report."""
        body = self.bodies.get_or_compute(key, compute)
        previous = self._latest_bodies.peek(latest_key)
        if previous is None or (previous[1] != key and previous[0] <= version):
            self._latest_bodies.put(latest_key, (version, key, body))
        return body

    def stored_baseline(self, art: str, pi: str) -> FrozenPlan | None:
        """The PI's frozen plan baseline; None while none is stored (reads never store)."""
        with self.sessions() as session:
            return stored_plan(session, art_by_name(session, art).id, pi)

    def freeze_started_baselines(self) -> list[tuple[str, str]]:
        """The worker's job: freeze the baseline of every PI whose start has come (ART time
        zone) and that has none yet; returns the (ART, PI) pairs it stored. A PI with nothing
        planned is left for a later run (its ART may not be synced yet)."""
        frozen: list[tuple[str, str]] = []
        now = datetime.now(UTC)
        for art_config in self.config.arts:
            try:  # one ART's trouble (its store, its data) leaves the others frozen
                data = self.data(art_config.name)
                for pi, span in data.pi_by_name.items():
                    if now < day_start(span.start, data.definition.tz):
                        continue
                    try:
                        if self.freeze_baseline(art_config.name, pi):
                            frozen.append((art_config.name, pi))
                    except Conflict:
                        continue
            except Exception:
                log.exception("could not freeze the plan baselines of ART %s", art_config.name)
        return frozen

    def freeze_baseline(self, art: str, pi: str) -> bool:
        """Store the plan of ``pi`` as it stood at the PI's start, once: True when this call
        stored it, False when it was stored already (so repeating it is harmless).

        Conflict when the PI has not started (its plan may still change) or when nothing is
        planned in it (the ART is not synced yet): a stored empty plan would stand for good.
        """
        now = datetime.now(UTC)
        data = self.data(art)
        span = data.pi_by_name.get(pi)
        if span is None:
            raise NotFound(unknown_pi(art, data, pi))
        with self.sessions() as session, session.begin():
            art_id = art_by_name(session, art).id
            if stored_plan(session, art_id, pi) is not None:
                return False
            definition = data.definition
            if now < day_start(span.start, definition.tz):
                raise Conflict(
                    f"{pi} of {art} has not started: it starts on {span.start} "
                    f"({definition.timezone}); its baseline can be frozen from then on"
                )
            plan = plan_at(data, pi)
            if not plan.features and not plan.scope_items:
                raise Conflict(
                    f"nothing is planned in {pi} of {art} yet (is the ART synced?); "
                    "an empty baseline is not frozen"
                )
            return store_plan(session, pi_by_name(session, art_id, pi).id, plan, now)
