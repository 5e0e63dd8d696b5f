"""The data-version watch: a version read from the store is served again without a query until
a commit may have changed it (in this process, by another connection, by another process)."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from art.db import make_engine, session_factory, transaction, upgrade
from art.errors import NotFound
from art.models import ART
from art.structure_queries import art_version, next_data_version
from art.version_watch import VersionWatch

# The tests below count reads: a kept version trusted for an hour, so that a slow machine
# taking more than TRUST_SECONDS between two steps cannot add one (the bound has its own test).
COUNTING = 3600.0

ROOT = Path(__file__).resolve().parents[2]


class Reads:
    """``art_version`` of Orion, counting how often the store was really asked."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions, self.count = sessions, 0

    def __call__(self) -> tuple[int, int]:
        self.count += 1
        with self.sessions() as session:
            return art_version(session, "Orion")


def _orion(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        art = ART(name="Orion", timezone="UTC", data_version=3)
        session.add(art)
        session.flush()
        return art.id


def _bump(sessions: sessionmaker[Session], art_id: int) -> int:
    with transaction(sessions) as session:
        return next_data_version(session, art_id)


@pytest.fixture
def watched(
    engine: Engine, sessions: sessionmaker[Session]
) -> Iterator[tuple[VersionWatch, Reads]]:
    """A started watch on the store and a counted reader of Orion's version."""
    watch = VersionWatch(engine, trust_seconds=COUNTING)
    assert watch.started(within=10)
    yield watch, Reads(sessions)
    watch.close()


def _wait_for_stamp_change(watch: VersionWatch, stamp: object) -> None:
    deadline = time.monotonic() + 10
    while watch.stamp() == stamp:
        assert time.monotonic() < deadline, "the stamp never moved"
        time.sleep(0.01)


def test_a_version_is_read_once_until_this_process_commits_a_new_one(
    sessions: sessionmaker[Session], watched: tuple[VersionWatch, Reads]
) -> None:
    art_id = _orion(sessions)
    watch, reads = watched
    assert [watch.read_through("Orion", reads) for _ in range(5)] == [(art_id, 3)] * 5
    assert reads.count == 1
    assert _bump(sessions, art_id) == 4  # the commit moves the stamp before it returns
    assert [watch.read_through("Orion", reads) for _ in range(3)] == [(art_id, 4)] * 3
    assert reads.count == 2


def test_a_bump_rolled_back_changes_nothing_readers_see(
    sessions: sessionmaker[Session], watched: tuple[VersionWatch, Reads]
) -> None:
    art_id = _orion(sessions)
    watch, reads = watched
    assert watch.read_through("Orion", reads) == (art_id, 3)
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        next_data_version(session, art_id)
        raise RuntimeError("the group failed")
    assert watch.read_through("Orion", reads) == (art_id, 3)
    assert reads.count == 1


def test_a_failed_read_is_not_kept(
    sessions: sessionmaker[Session], watched: tuple[VersionWatch, Reads]
) -> None:
    watch, reads = watched
    with pytest.raises(NotFound, match=r"no ART named 'Orion' \(known: none\)"):
        watch.read_through("Orion", reads)
    art_id = _orion(sessions)
    assert watch.read_through("Orion", reads) == (art_id, 3)
    assert reads.count == 2


def test_a_kept_version_is_trusted_for_trust_seconds_at_most(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    art_id = _orion(sessions)
    watch, reads = VersionWatch(engine, trust_seconds=0.0), Reads(sessions)
    assert [watch.read_through("Orion", reads) for _ in range(3)] == [(art_id, 3)] * 3
    assert reads.count == 3
    watch.close()


def test_another_process_committing_moves_the_stamp(
    store_url: str, engine: Engine, sessions: sessionmaker[Session]
) -> None:
    """SQLite's data_version and PostgreSQL's NOTIFY: a writer elsewhere, through the same
    ``next_data_version`` the product's writers call."""
    art_id = _orion(sessions)
    watch, reads = VersionWatch(engine, trust_seconds=COUNTING), Reads(sessions)
    assert watch.started(within=10)
    assert watch.read_through("Orion", reads) == (art_id, 3)
    before = watch.stamp()
    writer = (
        "import sys\n"
        "from art.db import make_engine, session_factory, transaction\n"
        "from art.structure_queries import next_data_version\n"
        "with transaction(session_factory(make_engine(sys.argv[1]))) as s:\n"
        "    print(next_data_version(s, int(sys.argv[2])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", writer, store_url, str(art_id)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "4"
    _wait_for_stamp_change(watch, before)
    assert watch.read_through("Orion", reads) == (art_id, 4)
    assert reads.count == 2
    watch.close()


def test_on_sqlite_any_commit_by_another_connection_moves_the_stamp(tmp_path: Path) -> None:
    """SQLite tells that something was committed, not what: a commit that bumps no version
    (a digest row, written outside SQLAlchemy) costs readers one more lookup, never a stale
    version."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = session_factory(engine)
    art_id = _orion(sessions)
    watch, reads = VersionWatch(engine, trust_seconds=COUNTING), Reads(sessions)
    assert watch.read_through("Orion", reads) == (art_id, 3)
    assert watch.read_through("Orion", reads) == (art_id, 3)
    other = sqlite3.connect(tmp_path / "store.db")
    with other:
        other.execute("UPDATE arts SET data_version = 9 WHERE id = ?", (art_id,))
    other.close()
    assert watch.read_through("Orion", reads) == (art_id, 9)
    assert reads.count == 2
    watch.close()
    engine.dispose()


def test_an_in_memory_database_is_watched_by_its_own_commits_only() -> None:
    """No other process can reach an in-memory SQLite database: commits that bump no version
    keep the version served; a bump moves it."""
    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    ART.metadata.create_all(engine)
    sessions = session_factory(engine)
    art_id = _orion(sessions)
    watch, reads = VersionWatch(engine, trust_seconds=COUNTING), Reads(sessions)
    assert watch.read_through("Orion", reads) == (art_id, 3)
    with transaction(sessions) as session:
        session.add(ART(name="Vega", timezone="UTC", data_version=0))
    assert watch.read_through("Orion", reads) == (art_id, 3)
    assert reads.count == 1
    assert _bump(sessions, art_id) == 4
    assert watch.read_through("Orion", reads) == (art_id, 4)
    assert reads.count == 2
    watch.close()


@pytest.mark.usefixtures("store_url")
def test_postgres_listener_down_means_every_read_asks_the_store(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A listener that cannot connect gives no stamp, so nothing is served from memory, and
    says why in the log."""
    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    watch = VersionWatch(engine)
    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        return len(calls)

    with caplog.at_level(logging.WARNING, logger="art.version_watch"):
        assert not watch.started(within=1.0)
    assert [watch.read_through("x", read) for _ in range(3)] == [1, 2, 3]
    message = caplog.records[0].getMessage()
    assert message.startswith("data-version listener: ")
    assert "reports ask the database for each request's data version until it reconnects" in (
        message
    )
    watch.close()
    engine.dispose()
