"""`trainyard db reporting-role NAME`: on PostgreSQL a login role that reads the reporting
views and nothing else (not the internal tables, no writes, no new tables), covering views
added later too; on SQLite a clear refusal."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError
from typer.testing import CliRunner

from app.cli import cli
from art.db import make_engine, session_factory, transaction
from tests.golden_store import store_art
from tests.metrics.golden_inputs import golden, scenario_data

runner = CliRunner()
PASSWORD = "s3cret'with quote"


@pytest.fixture
def role(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A role name for the test; dropped again with what it was granted."""
    name = f"bi_reader_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", store_url)
    monkeypatch.setenv("BI_READER_PASSWORD", PASSWORD)
    yield name
    if store_url.startswith("postgresql"):
        admin = create_engine(store_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}):
                conn.exec_driver_sql(f"DROP OWNED BY {name}")
                conn.exec_driver_sql(f"DROP ROLE {name}")
        admin.dispose()


def _create(name: str) -> str:
    made = runner.invoke(
        cli, ["db", "reporting-role", name, "--password-env", "BI_READER_PASSWORD"]
    )
    return f"{made.exit_code}|{made.output}"


def test_sqlite_has_no_roles(store_url: str, role: str) -> None:
    if not store_url.startswith("sqlite"):
        pytest.skip("the SQLite refusal")
    out = _create(role)
    assert out.startswith("2|error: a reporting role needs PostgreSQL: SQLite has no roles")


def test_the_role_reads_the_views_and_nothing_else(store_url: str, role: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    engine = make_engine(store_url)
    with transaction(session_factory(engine)) as session:
        store_art(session, scenario_data(golden()[0]))
    out = _create(role)
    database = make_url(store_url).database
    assert out == (
        f"0|role {role} can log in to database {database} and read schema reporting only "
        "(SELECT on its views, now and added later)\n"
    )
    assert _create(role).startswith("0|")  # again: the role is updated, not an error
    url = make_url(store_url).set(username=role, password=PASSWORD)
    reader = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with reader.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM reporting.items")) == 26
            assert conn.scalar(text("SELECT count(*) FROM reporting.teams")) == 3
            assert conn.scalar(text("SELECT version FROM reporting.schema_version")) == 1
            for denied in (
                "SELECT * FROM work_items",
                "SELECT * FROM rpt_item_daily",
                "SELECT * FROM api_tokens",
                "CREATE TABLE public.bi_scratch (x int)",
                "CREATE TABLE reporting.bi_scratch (x int)",
                "CREATE VIEW reporting.bi_scratch AS SELECT 1 AS x",
                "INSERT INTO teams (art_id, name) VALUES (1, 'x')",
                "UPDATE work_items SET title = 'x'",
                "DELETE FROM rpt_item_daily",
                "TRUNCATE rpt_refresh",
            ):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    conn.execute(text(denied))
            for write in (  # no view is updatable, and the role may not write them anyway
                "INSERT INTO reporting.teams (team_id, art, name) VALUES (99, 'x', 'y')",
                "UPDATE reporting.pis SET name = 'x'",
                "DELETE FROM reporting.teams",
            ):
                with pytest.raises(DBAPIError, match=r"permission denied|not automatically"):
                    conn.execute(text(write))
        with engine.begin() as admin:  # a view a later migration adds is readable too
            admin.exec_driver_sql("CREATE VIEW reporting.later AS SELECT 1 AS one")
        with reader.connect() as conn:
            assert conn.scalar(text("SELECT one FROM reporting.later")) == 1
    finally:
        reader.dispose()
        engine.dispose()
