"""Stores for the end-to-end tests: one migrated store per backend and pulled ART, kept for a
whole module (a pull is the expensive step; the checks only read).

The same backends as the ``store_url`` fixture (tests/conftest.py): SQLite, then PostgreSQL
when TRAINYARD_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.demo import ENV
from art.db import make_engine, session_factory, upgrade
from tests.conftest import BACKENDS, PG_URL, drop_pg_database, pg_database

StoreFactory = Callable[[], sessionmaker[Session]]


@contextmanager
def migrated_store(backend: str, directory: Path) -> Iterator[sessionmaker[Session]]:
    """A fresh migrated store on ``backend``; dropped (PostgreSQL) when the block ends."""
    name: str | None = None
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'store.db'}"
        upgrade(url)
    else:
        url, name = pg_database()
    engine = make_engine(url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()
        if name is not None:
            drop_pg_database(name)


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and PG_URL is None:
        pytest.skip("TRAINYARD_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture(scope="module")
def new_store(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreFactory]:
    """``new_store()``: another fresh store on the module's backend, kept until its end."""
    with ExitStack() as stack:

        def make() -> sessionmaker[Session]:
            directory = tmp_path_factory.mktemp(f"e2e-{backend}")
            return stack.enter_context(migrated_store(backend, directory))

        yield make


@pytest.fixture(scope="module", autouse=True)
def _demo_credentials() -> Iterator[None]:
    """The demo's credential variables, which the sources name (module-wide monkeypatch)."""
    with pytest.MonkeyPatch.context() as mp:
        for name, value in ENV.items():
            mp.setenv(name, value)
        yield
