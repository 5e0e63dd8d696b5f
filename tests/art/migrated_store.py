"""An empty store migrated to a given revision, on SQLite or PostgreSQL, for the tests of a
migration's effect on the rows stored before it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from art.db import upgrade
from tests.conftest import PG_URL, drop_pg_database


@contextmanager
def store_at(backend: str, revision: str, directory: Path) -> Iterator[str]:
    """The URL of a new store at ``revision``; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / 'old.db'}"
        upgrade(url, revision)
        yield url
        return
    if PG_URL is None:
        pytest.skip("TRAINYARD_TEST_POSTGRES_URL is not set")
    name = f"trainyard_m_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url, revision)
        yield url
    finally:
        drop_pg_database(name)
