"""The command line: migrate, create tokens, refuse an un-migrated database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.tokens import granted_scopes
from art.db import make_engine, session_factory

runner = CliRunner()


def test_db_upgrade_then_token_create(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", url)
    up = runner.invoke(cli, ["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert up.output.strip() == f"database {url} is at the current schema"
    made = runner.invoke(cli, ["token", "create", "--name", "powerbi", "--scope", "read"])
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    assert token.startswith("ty_")
    with session_factory(make_engine(url))() as session:
        assert granted_scopes(session, token) == {"read"}
        assert granted_scopes(session, token + "x") is None


def test_token_create_on_unmigrated_database_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    out = runner.invoke(cli, ["token", "create", "--name", "x", "--scope", "read"])
    assert out.exit_code == 2
    assert "run `trainyard db upgrade`" in out.output


def test_unknown_scope_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner.invoke(cli, ["db", "upgrade"])
    out = runner.invoke(cli, ["token", "create", "--name", "x", "--scope", "root"])
    assert out.exit_code == 2
    assert "unknown scope(s) root; known: read, write, admin" in out.output
