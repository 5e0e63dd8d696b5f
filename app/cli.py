"""The ``trainyard`` command line: start, serve, worker, mcp, db upgrade / reporting-role, sync,
token create / list / revoke."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from app.settings import Settings
from art.errors import ConfigError, TrainyardError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from art.config import TrainyardConfig

cli = typer.Typer(
    help="Trainyard: ART reporting from Jira and Azure DevOps.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
token_cli = typer.Typer(help="API tokens.", no_args_is_help=True)
config_cli = typer.Typer(help="The configuration file.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(config_cli, name="config")
cli.add_typer(token_cli, name="token")


def _fail(exc: Exception) -> None:
    typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (creates the SQLite file when absent)."""
    from art.db import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    typer.echo(f"database {settings.database_url} is at the current schema")


@db_cli.command("reporting-role")
def db_reporting_role(
    name: Annotated[str, typer.Argument(help="the login role to create, e.g. grafana_reader")],
    password_env: Annotated[
        str | None,
        typer.Option(help="read the password from this environment variable, not a prompt"),
    ] = None,
) -> None:
    """Create (or update) a PostgreSQL login role that can read the reporting views and
    nothing else, for Grafana, Power BI or Tableau (docs/bi.md)."""
    import os

    from art.db import check_migrated, make_engine
    from art.store.reporting import grant_reporting_role

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        if engine.dialect.name == "postgresql":
            check_migrated(engine)
        if password_env is not None:
            password = os.environ.get(password_env, "")
            if not password:
                raise ConfigError(f"environment variable {password_env} is not set or empty")
        elif engine.dialect.name == "postgresql":
            password = typer.prompt(
                f"password for {name}", hide_input=True, confirmation_prompt=True
            )
        else:
            password = ""
        database = grant_reporting_role(engine, name, password)
    except TrainyardError as exc:
        _fail(exc)
        return
    finally:
        engine.dispose()
    typer.echo(
        f"role {name} can log in to database {database} and read schema reporting only "
        "(SELECT on its views, now and added later)"
    )


@contextmanager
def _config_or_demo(
    settings: Settings, demo: bool = False, *, checking: bool = False
) -> Iterator[TrainyardConfig]:
    """The configuration file's config, or (with no file, or ``demo``) the built-in demo's,
    its trackers started for the block and stopped after it. The demo is always named;
    ``checking`` (config check) also names a valid file, in its report on stdout."""
    from app import configuration

    config = None if demo else configuration.load(settings)
    if config is not None:
        if checking:
            typer.echo(f"configuration: {settings.config_path()} is valid")
        yield config
        return
    from app.demo import start_demo

    running = start_demo(settings.demo_items)
    try:
        typer.echo("configuration: the built-in demo (no configuration file)", err=not checking)
        yield running.config
    finally:
        running.stop()


@contextmanager
def _token_store() -> Iterator[Session]:
    """A transaction on the configured database; NotMigrated naming the fix when it is stale."""
    from art.db import check_migrated, make_engine, session_factory, transaction

    engine = make_engine(Settings().database_url)
    try:
        check_migrated(engine)
        with transaction(session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="who the token is for, e.g. powerbi")],
    scope: Annotated[list[str], typer.Option(help="read, write or admin; repeatable")],
    expires_in: Annotated[
        str | None, typer.Option(help="valid for this long: 90d, 12h or 2w")
    ] = None,
    expires_at: Annotated[
        str | None,
        typer.Option(help="valid until this ISO date or time (UTC unless it has an offset)"),
    ] = None,
) -> None:
    """Create an API token and print it (the only time it is shown)."""
    from app.tokens import issue_token, parse_expiry

    now = datetime.now(UTC)
    try:
        expiry = parse_expiry(expires_in, expires_at, now, ("--expires-in", "--expires-at"))
        with _token_store() as session:
            token = issue_token(session, name, scope, expiry, now).secret
    except TrainyardError as exc:
        _fail(exc)
    typer.echo(token)
    if expiry is not None:
        typer.echo(f"expires at {expiry.isoformat()}", err=True)


def _when(at: datetime | None) -> str:
    return "-" if at is None else at.strftime("%Y-%m-%dT%H:%MZ")


@token_cli.command("list")
def token_list() -> None:
    """Every token: id, name, scopes, status, created, last used, expires (UTC). Never secrets."""
    from app.tokens import list_tokens, status

    now = datetime.now(UTC)
    try:
        with _token_store() as session:
            rows = [
                [
                    *(str(t.id), t.name, ",".join(t.scopes.split()), status(t, now)),
                    *(_when(t.created_at), _when(t.last_used_at), _when(t.expires_at)),
                ]
                for t in list_tokens(session)
            ]
    except TrainyardError as exc:
        _fail(exc)
    if not rows:
        typer.echo("no tokens; create one with `trainyard token create --name NAME --scope read`")
        return
    table = [["ID", "NAME", "SCOPES", "STATUS", "CREATED", "LAST USED", "EXPIRES"], *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@token_cli.command("revoke")
def token_revoke(
    token: Annotated[str, typer.Argument(metavar="ID|NAME", help="a token's id or name")],
) -> None:
    """Revoke a token: every request with it is refused from now on (by a running service
    once the scopes it keeps for TRAINYARD_TOKEN_CACHE_SECONDS have aged out)."""
    from app.tokens import find_token, revoke_token

    try:
        with _token_store() as session:
            row = find_token(session, token)
            revoked = revoke_token(row, datetime.now(UTC))
            label = f"token {row.id} ({row.name})"
            when = row.revoked_at.isoformat() if row.revoked_at else ""
    except TrainyardError as exc:
        _fail(exc)
    if not revoked:
        typer.echo(f"{label} was already revoked at {when}")
        return
    seconds = Settings().token_cache_seconds
    later = f"; running services refuse it within {seconds:g} s" if seconds else ""
    typer.echo(f"revoked {label}{later}")


def _log_to_stderr(settings: Settings, level: int = logging.INFO) -> None:
    """Log lines on stderr, in TRAINYARD_LOG_FORMAT (text or json): app/logging_setup.py."""
    from app.logging_setup import configure_logging

    configure_logging(settings.log_format, level)


def _checked(command: str) -> tuple[Settings, TrainyardConfig]:
    """Settings and configuration, failing fast (before anything starts) on a bad
    configuration file, a missing one or an un-migrated database."""
    from app import configuration
    from art.db import check_migrated, make_engine

    settings = Settings()
    try:
        config = configuration.load(settings)
        engine = make_engine(settings.database_url)
        check_migrated(engine)
        engine.dispose()
    except TrainyardError as exc:
        _fail(exc)
    if config is None:
        _fail(
            ConfigError(
                f"no configuration file (TRAINYARD_CONFIG or ./trainyard.toml): `trainyard "
                f"{command}` runs configured sources; the demo runs in one process with "
                "`trainyard start`"
            )
        )
    assert config is not None
    return settings, config


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port")] = None,
) -> None:
    """Serve the HTTP API only. Webhooks are stored and answered; pulls, applying webhooks,
    deliveries, the event watcher and digests run in `trainyard worker`."""
    import uvicorn

    from app.main import create_app

    settings, config = _checked("serve")
    settings = settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )
    _log_to_stderr(settings)
    uvicorn.run(
        create_app(settings, config, with_worker=False),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,  # uvicorn's lines (the access log) go through our handler
    )


@cli.command()
def worker(
    scheduler: Annotated[
        bool, typer.Option(help="run scheduled pulls and digests (webhooks and events always)")
    ] = True,
) -> None:
    """Run the background jobs until SIGTERM or SIGINT: scheduled pulls, applying stored
    webhooks, outgoing deliveries, the event watcher and digests. Any number of workers may
    run on one PostgreSQL database; leases make each piece of work happen once."""
    from app.worker import run_worker

    settings, config = _checked("worker")
    if not scheduler:
        settings = settings.model_copy(update={"scheduler": False})
    _log_to_stderr(settings)
    run_worker(settings, config)


@cli.command()
def start() -> None:
    """What `make run` does: migrate, print the demo's admin token (kept in the data
    directory and reused while it works) and how to call, then serve HTTP with the worker
    in this one process (the demo trackers when there is no configuration file)."""
    import uvicorn

    from app import configuration
    from app.demo import demo_admin_token
    from app.main import create_app
    from art.db import make_engine, session_factory, transaction, upgrade

    settings = Settings()
    try:  # fail fast, before the server starts: a bad config file
        config = configuration.load(settings)
    except TrainyardError as exc:
        _fail(exc)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(session_factory(engine)) as session:
        token, kept = demo_admin_token(session, settings.data_dir, datetime.now(UTC))
    engine.dispose()
    url = f"http://{settings.host}:{settings.port}"
    typer.secho(f"\nTrainyard console: {url}/   API: {url}/docs", fg=typer.colors.GREEN)
    typer.echo(f"Admin token: {token}  (kept in {kept}; `trainyard token list` shows all)")
    typer.echo(f'Try: curl -H "Authorization: Bearer {token}" {url}/api/v1/arts')
    typer.echo(f"Sign in to the console at {url}/sign-in with that token\n")
    _log_to_stderr(settings)
    uvicorn.run(
        create_app(settings, config),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,  # uvicorn's lines (the access log) go through our handler
    )


@cli.command()
def mcp() -> None:
    """Serve Trainyard's read-only tools to an AI assistant over stdio (the assistant starts
    this command; docs/mcp.md). Reads the configured database; logs go to stderr, stdout
    carries the protocol."""
    from app.mcp.server import run_stdio
    from app.state import build_state, close_state

    settings, config = _checked("mcp")
    _log_to_stderr(settings, logging.WARNING)
    state = build_state(settings, config)
    try:
        run_stdio(state)
    finally:
        close_state(state)


@cli.command()
def sync(
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    full: Annotated[bool, typer.Option(help="full reconciliation instead of incremental")] = False,
) -> None:
    """Pull from the trackers now, with a progress bar and one line per source (its mode:
    `full` on a source's first pull or with --full, else `incremental`). With no
    configuration file, the built-in demo's trackers are started and pulled.

    Exits 0 when every source was pulled, 1 when one failed or was not pulled (another pull
    of it is running), 2 on a configuration or database error.
    """
    from sync.cli import run_sync

    # each source's line says how its pull ended; log warnings would only repeat it
    settings = Settings()
    _log_to_stderr(settings, logging.ERROR)
    try:
        with _config_or_demo(settings) as config:
            results = run_sync(settings.database_url, config, source, full)
    except TrainyardError as exc:
        _fail(exc)
        return
    if any(r is None or r.status != "succeeded" for r in results):
        raise typer.Exit(1)


@config_cli.command("check")
def config_check(
    source: Annotated[str | None, typer.Option(help="only this source")] = None,
    demo: Annotated[
        bool, typer.Option(help="check the built-in demo (as when there is no file)")
    ] = False,
) -> None:
    """Validate trainyard.toml and probe each source's tracker read-only: authentication,
    projects or area paths, configured fields, statuses and their categories, sprints or
    iterations, and how many items a pull would read. Writes nothing.

    Exits 0 when all is well, 1 when a source has a problem (one line each), 2 on a
    configuration error.
    """
    from app.config_check import check

    settings = Settings()
    _log_to_stderr(settings, logging.ERROR)
    try:
        with _config_or_demo(settings, demo, checking=True) as config:
            reports = check(config, source)
    except TrainyardError as exc:
        _fail(exc)
        return
    problems = [p for r in reports for p in r.problems]
    for report in reports:
        for line in report.lines:
            typer.echo(line)
    for line in problems:
        typer.echo(line)
    typer.echo(
        f"{len(problems)} problem(s) in {len(reports)} source(s)" if problems else "all sources ok"
    )
    if problems:
        raise typer.Exit(1)


def main() -> None:
    try:
        cli()
    except TrainyardError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
