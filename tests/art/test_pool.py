"""PostgreSQL's pooled connections: checked before use only after sitting idle, and replaced
when the check finds the server has dropped them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import art.db
from art.db import make_engine
from tests.conftest import PG_URL


@pytest.fixture
def pg_engine(store_url: str) -> Iterator[Engine]:
    if not store_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL pool")
    engine = make_engine(store_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend(engine: Engine) -> int:
    with engine.connect() as conn:
        pid: int = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    return pid


def _drop(pid: int) -> None:
    """The server ends that connection, as a restart or a proxy's idle timeout would."""
    assert PG_URL is not None
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
    admin.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(art.db, "PING_AFTER_IDLE", 0.0)  # every given-back one counts as idle
    first = _backend(pg_engine)
    _drop(first)
    second = _backend(pg_engine)  # no error: the check failed and a new connection was made
    assert second != first
    assert _backend(pg_engine) == second  # the new one is kept and reused


def test_a_connection_given_back_a_moment_ago_is_used_unchecked(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(art.db, "PING_AFTER_IDLE", 3600.0)
    first = _backend(pg_engine)
    _drop(first)
    with pytest.raises(OperationalError, match=r"terminat|closed|server"):  # unchecked: fails
        _backend(pg_engine)
    assert _backend(pg_engine) != first  # and the pool has dropped it for the next request


def test_a_working_connection_passes_its_check_and_is_kept_with_no_transaction_open(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(art.db, "PING_AFTER_IDLE", 0.0)
    first = _backend(pg_engine)
    with pg_engine.connect() as conn:  # checked at checkout, before a statement of its own
        status = conn.connection.driver_connection.info.transaction_status.name
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    assert (status, pid) == ("IDLE", first)
