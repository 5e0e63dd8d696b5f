"""Whether any ART's data version may have changed since a moment, told without a query.

Every report request used to ask the store for its ART's data version first: on a cached
report that lookup (a pooled connection, a statement, the connection handed back) was most
of the request's CPU. A reader now keeps the version it read with a *stamp* of the store's
state, and asks again only when the stamp has moved. Moving the stamp too often costs a
lookup; never moving it would serve an old version, so every path by which a commit can
reach the store moves it:

- a commit in this process that bumped a version (``announce_bump``, which
  ``art.structure_queries.next_data_version`` calls) moves it as the commit returns;
- on SQLite, any commit by any connection or process moves ``PRAGMA data_version`` of a
  connection kept for watching (SQLite's own counter, exact);
- on PostgreSQL, the bump sends ``NOTIFY`` in the writer's transaction (delivered when it
  commits) to a thread listening on its own connection in every other process (a process
  skips its own, counted already); while that connection is down the stamp is None and
  readers ask the store every time;
- an in-memory SQLite database has no other writer than this process.

A stamp is also trusted for at most ``TRUST_SECONDS``, a bound on anything this misses.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "trainyard_data_version"
TRUST_SECONDS = 1.0  # how long a version read from the store is served without asking again
RECONNECT_SECONDS = (0.5, 30.0)  # the listener's first and longest wait before reconnecting
_BUMPED = "trainyard.bumped_data_version"  # Session.info key: this transaction bumped one

T = TypeVar("T")


class _Commits:
    """How many transactions that bumped a data version this process has committed."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


LOCAL_COMMITS = _Commits()
# Names this process in its notifications, so its own listener skips them (its commits were
# counted as they returned); a forked child is another writer, so it draws a new name.
_PROCESS = [uuid.uuid4().hex]
os.register_at_fork(after_in_child=lambda: _PROCESS.__setitem__(0, uuid.uuid4().hex))


def announce_bump(session: Session, art_id: int) -> None:
    """Note, in the writer's transaction, that it bumped ``art_id``'s data version: readers
    in this process are told when it commits, readers elsewhere through NOTIFY."""
    session.info[_BUMPED] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, f"{art_id} {_PROCESS[0]}")))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_BUMPED, False):
        LOCAL_COMMITS.add()


class _Remote(Protocol):
    """What moves when another connection or process commits."""

    def stamp(self) -> Hashable | None: ...

    def close(self) -> None:
        """Stop watching, at once (never blocks: it may run in the garbage collector)."""


class VersionWatch:
    """Values read from the store that depend only on data versions (an ART's version), kept
    while the store's stamp stands; ``close`` stops the watcher."""

    def __init__(self, engine: Engine, trust_seconds: float = TRUST_SECONDS) -> None:
        self._remote = _remote_for(engine)
        self.trust_seconds = trust_seconds  # (tests that count reads raise it: see tests/)
        self._lock = threading.Lock()
        self._known: dict[Hashable, tuple[Any, Hashable, float]] = {}
        # a watch dropped without close (a test's service, say) stops its listener all the same
        self.close = weakref.finalize(self, self._remote.close)

    def stamp(self) -> Hashable | None:
        """A value equal at two moments only if no data version was committed between
        them; None when that cannot be told (then the store must be asked)."""
        local = LOCAL_COMMITS.count  # read first: a commit after this moves it
        remote = self._remote.stamp()
        return None if remote is None else (local, remote)

    def started(self, within: float) -> bool:
        """Whether stamps are given, waiting up to ``within`` seconds for them (PostgreSQL:
        until the listener listens; it starts on the first stamp asked for)."""
        deadline = time.monotonic() + within
        while self.stamp() is None:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def read_through(self, key: Hashable, read: Callable[[], T]) -> T:
        """``read()``'s value as last read under this same stamp less than
        ``trust_seconds`` ago, else read now (and kept unless ``read`` raises)."""
        stamp, at = self.stamp(), time.monotonic()  # before reading: a later commit moves it
        if stamp is not None:
            with self._lock:
                held = self._known.get(key)
            if held is not None and held[1] == stamp and at - held[2] < self.trust_seconds:
                return cast(T, held[0])
        value = read()
        if stamp is not None:
            with self._lock:
                self._known[key] = (value, stamp, at)
        return value


def _remote_for(engine: Engine) -> _Remote:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or url.query.get("mode") == "memory":
            return _NoOtherWriter()
        return _SqliteDataVersion(database)
    if url.get_backend_name() == "postgresql":
        return _PostgresListener(url.set(drivername="postgresql").render_as_string(False))
    return _Unknown()


class _NoOtherWriter:
    """An in-memory database: only this process writes it, and its commits are counted."""

    def stamp(self) -> Hashable | None:
        return 0

    def close(self) -> None:
        pass


class _Unknown:
    """A database with no way to watch it: always ask."""

    def stamp(self) -> Hashable | None:
        return None

    def close(self) -> None:
        pass


class _SqliteDataVersion:
    """SQLite's ``PRAGMA data_version`` on a connection of its own, which never writes: it
    changes whenever another connection, in any process, commits (about 2 µs a reading).
    Python's sqlite3 is built serialized (``threadsafety`` 3), so threads share it unlocked."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)

    def stamp(self) -> Hashable | None:
        try:
            row = self._conn.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:  # closed, or the file is gone: ask the store
            return None
        return None if row is None else int(row[0])

    def close(self) -> None:
        self._conn.close()


class _PostgresListener:
    """A daemon thread LISTENing on its own connection; the stamp is (connection number,
    notifications received on it), None while not listening. Started on the first stamp,
    so a service that never reads reports holds no extra connection."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening: tuple[int, int] | None = None  # (connection number, notifications)
        self._connections = 0

    def stamp(self) -> Hashable | None:
        if self._thread is None:
            self._start()
        return self._listening  # (one reference read: no lock on the readers' path)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._run, name="data-version-listener", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._listening = None

    def _run(self) -> None:
        import psycopg  # here: a process on SQLite (a pull, say) would carry it for nothing

        wait = RECONNECT_SECONDS[0]
        while not self._stop.is_set():
            try:
                self._listen()
                wait = RECONNECT_SECONDS[0]
            except psycopg.Error as exc:
                log.warning(
                    "data-version listener: %s; reports ask the database for each "
                    "request's data version until it reconnects (in %.1f s)",
                    str(exc).strip(),
                    wait,
                )
            if self._stop.wait(wait):
                return
            wait = min(wait * 2, RECONNECT_SECONDS[1])

    def _listen(self) -> None:
        import psycopg

        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._connections += 1
            number, seen = self._connections, 0
            self._note((number, seen))
            try:
                while not self._stop.is_set():
                    for notice in conn.notifies(timeout=0.5):
                        if notice.payload.endswith(f" {_PROCESS[0]}"):
                            continue  # this process's own commit, counted when it returned
                        seen += 1
                        self._note((number, seen))
            finally:  # however the connection ends, readers ask the store until the next
                with self._lock:
                    self._listening = None

    def _note(self, listening: tuple[int, int]) -> None:
        """The new stamp, unless the watch was closed meanwhile."""
        with self._lock:
            if not self._stop.is_set():
                self._listening = listening
