"""Shared fixtures: a migrated store on SQLite and (when configured) PostgreSQL, an app client.

PostgreSQL tests run when TRAINYARD_TEST_POSTGRES_URL is set (`.ci/run` sets it). Each test
gets its own database cloned from a migrated template, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.config import TrainyardConfig
from art.db import make_engine, session_factory, upgrade

PG_URL = os.environ.get("TRAINYARD_TEST_POSTGRES_URL") or None
BACKENDS = ["sqlite", "postgres"]
# The repository's own test fixtures: the golden ART (golden/) and tracker payloads captured from
# public sources (tracker-samples/, each file's origin in its README).
SHARED = Path(__file__).parent / "fixtures"

os.environ.setdefault("AZURE_DEVOPS_CACHE_DIR", str(Path(__file__).parent / ".ado-cache"))


def _pg_admin() -> Engine:
    assert PG_URL is not None
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


_template: str | None = None


def _pg_template() -> str:
    """A migrated template database, made once per test session."""
    global _template
    if _template is None:
        assert PG_URL is not None
        name = f"trainyard_tpl_{os.getpid()}"
        admin = _pg_admin()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        upgrade(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        _template = name
    return _template


def pg_database() -> tuple[str, str]:
    """Create a fresh migrated PostgreSQL database; returns (url, name)."""
    assert PG_URL is not None
    template = _pg_template()
    name = f"trainyard_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(name: str) -> None:
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _template is not None:
        drop_pg_database(_template)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: SQLite file, then PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        yield url
        return
    if PG_URL is None:
        pytest.skip("TRAINYARD_TEST_POSTGRES_URL is not set")
    url, name = pg_database()
    yield url
    drop_pg_database(name)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    eng = make_engine(store_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def golden_path() -> Path:
    return SHARED / "golden" / "reference-art.json"


@pytest.fixture
def samples() -> Path:
    return SHARED / "tracker-samples"


@pytest.fixture
def app_config() -> TrainyardConfig:
    """A small ART with two PIs and no sources: enough for the structure endpoints."""
    return TrainyardConfig.model_validate(
        {
            "arts": [
                {
                    "name": "Phoenix",
                    "teams": [{"name": "Blue"}, {"name": "Red"}],
                    "pis": [
                        {"name": "PI 26.1", "start": "2026-01-05", "end": "2026-03-15"},
                        {"name": "PI 25.4", "start": "2025-10-20", "end": "2026-01-04"},
                    ],
                }
            ]
        }
    )


@pytest.fixture
def client(store_url: str, app_config: TrainyardConfig, tmp_path: Path) -> Iterator[TestClient]:
    """The ASGI app over the store, lifespan included."""
    settings = Settings(database_url=store_url, data_dir=tmp_path / "data", scheduler=False)
    with TestClient(create_app(settings, app_config)) as test_client:
        yield test_client


@pytest.fixture
def tokens(client: TestClient) -> dict[str, str]:
    """One token per scope, created through the same code as `trainyard token create`."""
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        return {
            scope: create_token(session, f"test-{scope}", [scope])
            for scope in ("read", "write", "admin")
        }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens_live(live: TestClient) -> dict[str, str]:
    """Tokens for a test's own ``live`` app fixture."""
    state = live.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        return {
            scope: create_token(session, f"live-{scope}", [scope])
            for scope in ("read", "write", "admin")
        }
