"""Engine, sessions and migrations for the store (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from art.errors import TrainyardError

MIGRATIONS = Path(__file__).parent / "migrations"
PING_AFTER_IDLE = 2.0  # seconds a pooled PostgreSQL connection sits idle before it is checked
# SQLite copies the write-ahead log into the database (a checkpoint, with an fsync) once the
# log reaches this many pages: 16,384 of 4 KiB is 64 MiB, where SQLite's default of 1,000
# (4 MiB) checkpointed a dozen times in a 5,000-item pull, copying the same index pages again
# each time, about a tenth of the pull. The log is cut back to the same size after each one.
WAL_CHECKPOINT_PAGES = 16_384
WAL_SIZE_LIMIT = WAL_CHECKPOINT_PAGES * 4096


class NotMigrated(TrainyardError):
    """The database schema is not at the current revision."""

    status_code = 503
    title = "Database not migrated"


def stored_json(document: Any) -> str:
    """A JSON column's text, written by orjson: a pull stores each item's tracker JSON, and
    the standard library's encoder took a tenth of a pull's time; what orjson refuses (an
    integer beyond 64 bits, say) is written by the standard library."""
    try:
        return orjson.dumps(document, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(document)


def read_stored_json(text: str | bytes) -> Any:
    """A JSON column's document, read by orjson; a text the standard library wrote before
    orjson did, with NaN or Infinity in it (which orjson refuses), by the standard library."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for concurrency."""
    kwargs.setdefault("json_serializer", stored_json)
    kwargs.setdefault("json_deserializer", read_stored_json)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
                cur.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if "poolclass" not in kwargs:
        # as many kept connections as the requests a busy service serves at once (20 readers
        # and the background jobs): a connection over pool_size is closed when it comes back,
        # and opening a PostgreSQL connection costs a new server process
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 10)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _utc_session)
        _check_when_idle(engine)
    return engine


def _check_when_idle(engine: Engine) -> None:
    """Check a pooled connection before it is used only when it has been idle
    ``PING_AFTER_IDLE`` seconds or more, and replace it when the check fails (a restarted
    server, a proxy's idle timeout). ``pool_pre_ping`` checks at every checkout, and a
    request checks out two or three connections (its token, its ART's data version, its
    query): a round trip and about 70 µs of CPU each, on a service whose cached reads cost
    about 2.5 ms. A connection given back a moment ago was working a moment ago; if the
    server went away since, the request that finds out fails and the pool drops every
    connection older than that failure (SQLAlchemy's invalidation)."""

    def idle_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # new, or given back a moment ago
        try:
            _outside_transaction(dbapi_conn, "SELECT 1")  # none left open by the check
        except Exception as exc:
            raise DisconnectionError(f"a pooled connection failed its check: {exc}") from exc

    event.listen(engine, "checkin", idle_since)
    event.listen(engine, "checkout", checked)


def _utc_session(dbapi_conn: Any, _record: Any) -> None:
    """Sessions in UTC, whatever the server's TimeZone: psycopg then gives each timestamp
    with the UTC tzinfo itself, which the store's column type passes on without converting
    (art.types), and SQL that casts a timestamp to a date counts UTC days, as on SQLite.
    Outside a transaction, or a rollback would undo it."""
    _outside_transaction(dbapi_conn, "SET TIME ZONE 'UTC'")


def _outside_transaction(dbapi_conn: Any, sql: str) -> None:
    """Run ``sql`` on a psycopg connection in autocommit, then put its mode back: psycopg
    would otherwise open a transaction, and refuses to change the mode while one is open."""
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute(sql)
    finally:
        dbapi_conn.autocommit = autocommit


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def lookup_sessions(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on the same pool whose statements each commit on their own, for the one-row
    lookups every request makes (its token, its ART's data version): on PostgreSQL they skip
    the BEGIN and COMMIT round trips, half of what those lookups cost a busy service."""
    engine: Engine = factory.kw["bind"]
    return sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
    )


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session, committed on success and rolled back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (``trainyard db upgrade``)."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_migrated(engine: Engine) -> None:
    """Raise NotMigrated, naming the fix, unless the schema is at the head revision."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise NotMigrated(
            f"database {engine.url.render_as_string(hide_password=True)} is at revision "
            f"{current or 'none (empty)'}, expected {head}: run `trainyard db upgrade`"
        )
