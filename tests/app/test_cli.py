"""The command line: migrate, create / list / revoke tokens, refuse an un-migrated database,
sync, and `trainyard start` keeping the demo's admin token across starts."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli import cli
from app.tokens import TokenRefused, authenticate
from art.config import load_config
from art.db import make_engine, session_factory
from art.models import ApiToken, Lease, Source, SyncRun
from art.store.lease import try_acquire
from simulators.azure_devops import create_ado_simulator, locations
from simulators.scenario import load_scenario
from simulators.server import serve
from sync.pull_lease import LEASE_TTL
from sync.structure import apply_config
from tests.sync import fake_connector
from tests.sync.fake_connector import make_items

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "reference-art.json"


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
        assert authenticate(session, token, datetime.now(UTC)) == {"read"}
        with pytest.raises(TokenRefused):
            authenticate(session, token + "x", datetime.now(UTC))


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


# -- `trainyard sync`: one line a source, non-zero when a source was not pulled (issue 12) --

FAKE_TOML = """
[[arts]]
name = "Phoenix"
[[arts.teams]]
name = "Blue"
aliases = ["BLUE"]

[[sources]]
name = "fake"
kind = "fake"
url = "http://fake"
art = "Phoenix"
"""


@pytest.fixture
def fake_sync(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sessionmaker[Session]]:
    """`trainyard sync` set up over the store with the fake source; its sessions."""
    path = tmp_path / "trainyard.toml"
    path.write_text(FAKE_TOML)
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", store_url)
    monkeypatch.setenv("TRAINYARD_CONFIG", str(path))
    engine = make_engine(store_url)
    sessions = session_factory(engine)
    with sessions() as s, s.begin():
        apply_config(s, load_config(path))
    yield sessions
    engine.dispose()


def _running_run(sessions: sessionmaker[Session]) -> int:
    with sessions() as s, s.begin():
        run = SyncRun(
            source_id=s.scalars(select(Source.id).where(Source.name == "fake")).one(),
            mode="incremental",
            status="running",
            started_at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC),
            item_errors=[],
        )
        s.add(run)
        s.flush()
        return run.id


def test_sync_exits_1_naming_the_live_pull_that_holds_the_source(
    fake_sync: sessionmaker[Session],
) -> None:
    run_id = _running_run(fake_sync)  # another process is pulling the source right now
    assert try_acquire(fake_sync, "pull:fake", "other-host:4242:0badcafe", LEASE_TTL)
    with fake_sync() as s:
        lease = s.get(Lease, "pull:fake")
        assert lease is not None
    out = runner.invoke(cli, ["sync"])
    assert out.exit_code == 1, out.output
    assert out.output == (
        "fake (full): not pulled; another pull of source 'fake' is running: sync run "
        f"{run_id} (incremental, started 2026-03-04T09:00:00+00:00); it holds the lease "
        "'pull:fake' as other-host:4242:0badcafe until "
        f"{lease.expires_at.isoformat(timespec='seconds')} and renews it while it runs; "
        "try again when it has finished\n"
    )
    with fake_sync() as s:
        assert s.scalars(select(SyncRun.status)).all() == ["running"]  # left alone


def test_sync_pulls_once_a_dead_pulls_lease_has_expired(
    fake_sync: sessionmaker[Session],
) -> None:
    fake_connector.SHARED_TRUTH[:] = make_items(5)
    dead_run = _running_run(fake_sync)  # a pull SIGKILLed 61 seconds after its last renewal
    gone = datetime.now(UTC) - timedelta(seconds=61)
    assert try_acquire(fake_sync, "pull:fake", "dead-host:1:deadbeef", LEASE_TTL, now=gone)
    out = runner.invoke(cli, ["sync"])
    assert out.exit_code == 0, out.output
    assert out.output == (
        "fake (full): succeeded; fetched 5, created 5, updated 0, deleted 0, skipped 0, "
        "requests 2\n"
    )
    with fake_sync() as s:
        runs = s.execute(select(SyncRun.id, SyncRun.status).order_by(SyncRun.id)).all()
        assert s.get(Lease, "pull:fake") is None
    assert [tuple(r) for r in runs] == [(dead_run, "failed"), (dead_run + 1, "succeeded")]


def test_sync_labels_a_sources_first_pull_full_and_the_next_incremental(
    fake_sync: sessionmaker[Session],
) -> None:
    fake_connector.SHARED_TRUTH[:] = make_items(3)
    lines = [runner.invoke(cli, ["sync"]).output for _ in range(2)]
    lines.append(runner.invoke(cli, ["sync", "--full"]).output)
    assert lines == [
        "fake (full): succeeded; fetched 3, created 3, updated 0, deleted 0, skipped 0, "
        "requests 1\n",
        "fake (incremental): succeeded; fetched 0, created 0, updated 0, deleted 0, skipped 0, "
        "requests 1\n",
        "fake (full): succeeded; fetched 3, created 0, updated 0, deleted 0, skipped 0, "
        "requests 1\n",
    ]
    with fake_sync() as s:
        modes = s.scalars(select(SyncRun.mode).order_by(SyncRun.id)).all()
    assert modes == ["full", "incremental", "full"]


DEMO_DAY = date(2026, 12, 2)


def test_sync_without_a_configuration_file_pulls_the_demo(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No trainyard.toml: the built-in demo's two trackers are started and pulled (the demo
    pinned to one day, so the counts are exact)."""
    from app import demo

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRAINYARD_CONFIG", raising=False)
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", store_url)
    monkeypatch.setenv("TRAINYARD_DEMO_ITEMS", "200")
    monkeypatch.setattr(demo, "start_demo", partial(demo.start_demo, today=DEMO_DAY))
    out = runner.invoke(cli, ["sync"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        "configuration: the built-in demo (no configuration file)",
        "demo-jira (full): succeeded; fetched 176, created 176, updated 0, deleted 0, "
        "skipped 0, requests 12",
        "demo-ado (full): succeeded; fetched 64, created 64, updated 0, deleted 0, skipped 0, "
        "requests 21",
    ]
    again = runner.invoke(cli, ["sync", "--source", "demo-ado"])
    assert again.output.splitlines()[1].startswith("demo-ado (incremental): succeeded; ")


# An Azure DevOps Server whose deployment answers OPTIONS but offers no reporting revisions
# (older servers, a proxy in front of one): the SDK cannot route the request at all.
NO_REVISIONS = "f828fe59-dd87-495d-a17c-7a8d6211ca6c"
ADO_PAT = "cli-test-pat"


def _deployment_options(app: Any) -> Any:
    """``app`` with ``OPTIONS /_apis`` (the deployment level) answered with no resources."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (scope["method"], scope["path"]) == ("OPTIONS", "/_apis"):
            body = json.dumps({"count": 0, "value": []}).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    return wrapped


def test_sync_prints_one_line_for_a_resource_the_tracker_does_not_have(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        locations, "LOCATIONS", [loc for loc in locations.LOCATIONS if loc[0] != NO_REVISIONS]
    )
    simulator = create_ado_simulator(load_scenario(GOLDEN), pat=ADO_PAT)
    with serve(_deployment_options(simulator)) as url:
        (tmp_path / "trainyard.toml").write_text(
            f"""
[[arts]]
name = "Phoenix"

[[sources]]
name = "ado"
kind = "azure-devops"
url = "{url}/phoenix"
art = "Phoenix"
project = "Phoenix"
token_env = "TRAINYARD_TEST_CLI_ADO_PAT"
"""
        )
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TRAINYARD_CONFIG": str(tmp_path / "trainyard.toml"),
            "TRAINYARD_DATABASE_URL": store_url,
            "TRAINYARD_TEST_CLI_ADO_PAT": ADO_PAT,
            "AZURE_DEVOPS_CACHE_DIR": str(tmp_path / "ado-cache"),
            "COLUMNS": "80",
        }
        done = subprocess.run(
            [sys.executable, "-c", "from app.cli import main; main()", "sync"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "ado (full): failed; fetched 0, created 0, updated 0, deleted 0, skipped 0, requests 0; "
        f"ConnectorError: Azure DevOps source 'ado' cannot call GET "
        f"wit/reporting/workItemRevisions (api-version 7.1-preview.2) at {url}/phoenix: "
        f"ValueError: API resource location {NO_REVISIONS} is not registered on "
        f"{url}/phoenix.\n"
    )


def _rows(store_url: str) -> list[ApiToken]:
    engine = make_engine(store_url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
    finally:
        engine.dispose()


def _minute(at: datetime | None) -> str:
    return "-" if at is None else f"{at:%Y-%m-%dT%H:%M}Z"


def test_token_create_list_revoke(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", store_url)
    assert runner.invoke(cli, ["token", "list"]).output == (
        "no tokens; create one with `trainyard token create --name NAME --scope read`\n"
    )
    made = runner.invoke(
        cli, ["token", "create", "--name", "powerbi", "--scope", "read", "--expires-in", "90d"]
    )
    assert made.exit_code == 0, made.output
    more = [
        ["--name", "ops", "--scope", "admin", "--scope", "read"],
        ["--name", "dup", "--scope", "read"],
        ["--name", "dup", "--scope", "read"],
    ]
    for args in more:
        assert runner.invoke(cli, ["token", "create", *args]).exit_code == 0
    powerbi, ops, dup1, dup2 = _rows(store_url)
    assert made.stdout.startswith("ty_")
    assert made.stderr == f"expires at {(powerbi.created_at + timedelta(days=90)).isoformat()}\n"
    assert powerbi.expires_at == powerbi.created_at + timedelta(days=90)
    assert (ops.scopes, ops.expires_at) == ("admin read", None)

    listed = runner.invoke(cli, ["token", "list"])
    assert listed.exit_code == 0, listed.output
    c = [_minute(r.created_at) for r in (powerbi, ops, dup1, dup2)]
    expires = _minute(powerbi.expires_at)
    assert listed.output.splitlines() == [
        "ID  NAME     SCOPES      STATUS  CREATED            LAST USED  EXPIRES",
        f"1   powerbi  read        active  {c[0]}  -          {expires}",
        f"2   ops      admin,read  active  {c[1]}  -          -",
        f"3   dup      read        active  {c[2]}  -          -",
        f"4   dup      read        active  {c[3]}  -          -",
    ]
    assert "ty_" not in listed.output

    revoked = runner.invoke(cli, ["token", "revoke", "powerbi"])
    assert (revoked.exit_code, revoked.output) == (
        0,
        "revoked token 1 (powerbi); running services refuse it within 5 s\n",
    )
    again = runner.invoke(cli, ["token", "revoke", "1"])
    when = _rows(store_url)[0].revoked_at
    assert when is not None
    assert (again.exit_code, again.output) == (
        0,
        f"token 1 (powerbi) was already revoked at {when.isoformat()}\n",
    )
    ambiguous = runner.invoke(cli, ["token", "revoke", "dup"])
    assert (ambiguous.exit_code, ambiguous.output) == (
        2,
        "error: 2 tokens are named 'dup' (ids 3, 4): give the id\n",
    )
    missing = runner.invoke(cli, ["token", "revoke", "nobody"])
    assert (missing.exit_code, missing.output) == (2, "error: no token named 'nobody'\n")
    monkeypatch.setenv("TRAINYARD_TOKEN_CACHE_SECONDS", "0")
    assert runner.invoke(cli, ["token", "revoke", "4"]).output == "revoked token 4 (dup)\n"
    statuses = [
        line.split()[3] for line in runner.invoke(cli, ["token", "list"]).output.splitlines()
    ]
    assert statuses == ["STATUS", "revoked", "active", "active", "revoked"]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--expires-in", "5x"],
            "error: --expires-in '5x' is not a duration such as 90d, 12h or 2w",
        ),
        (
            ["--expires-at", "2020-01-01"],
            "error: the expiry 2020-01-01T00:00:00+00:00 is not in the future",
        ),
        (
            ["--expires-in", "1d", "--expires-at", "2099-01-01"],
            "error: give --expires-in or --expires-at, not both",
        ),
    ],
)
def test_token_expiry_options_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], error: str
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", url)
    runner.invoke(cli, ["db", "upgrade"])
    out = runner.invoke(cli, ["token", "create", "--name", "x", "--scope", "read", *args])
    assert (out.exit_code, out.output) == (2, error + "\n")
    assert _rows(url) == []


def test_token_expires_at_a_date(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", store_url)
    made = runner.invoke(
        cli, ["token", "create", "--name", "trial", "--scope", "read", "--expires-at", "2099-01-01"]
    )
    assert made.exit_code == 0, made.output
    assert made.stderr == "expires at 2099-01-01T00:00:00+00:00\n"
    assert [r.expires_at for r in _rows(store_url)] == [datetime(2099, 1, 1, tzinfo=UTC)]


def _start(served: list[dict[str, Any]]) -> str:
    out = runner.invoke(cli, ["start"])
    assert out.exit_code == 0, out.output
    assert len(served) == 1
    served.clear()
    lines = [line for line in out.output.splitlines() if line.startswith("Admin token: ")]
    assert len(lines) == 1
    return lines[0].split()[2]


def test_start_twice_gives_the_same_token(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` twice prints one admin token, kept owner-only in the data directory; once
    it is revoked, the next start makes (and keeps) a new one."""
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    monkeypatch.chdir(tmp_path)  # no trainyard.toml: the demo path
    monkeypatch.setenv("TRAINYARD_DATABASE_URL", store_url)
    monkeypatch.setenv("TRAINYARD_DATA_DIR", str(tmp_path / "data"))
    first = _start(served)
    assert _start(served) == first
    kept = tmp_path / "data" / "demo-admin-token"
    assert kept.read_text() == first + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [(r.name, r.scopes) for r in _rows(store_url)] == [("make-run admin", "admin")]
    engine = make_engine(store_url)
    with session_factory(engine)() as session:
        assert authenticate(session, first, datetime.now(UTC)) == {"read", "write", "admin"}
    engine.dispose()

    kept.chmod(0o644)
    assert runner.invoke(cli, ["token", "revoke", "make-run admin"]).exit_code == 0
    second = _start(served)
    assert second != first
    assert kept.read_text() == second + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert [(r.name, r.revoked_at is None) for r in _rows(store_url)] == [
        ("make-run admin", False),
        ("make-run admin", True),
    ]
    assert _start(served) == second
