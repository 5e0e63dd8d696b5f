"""The FastAPI application factory and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import configuration, problems, query_guard
from app.demo import start_demo
from app.digests.service import DigestService
from app.outgoing.service import OutgoingService
from app.reports.service import ReportService
from app.routes import (
    digests,
    hooks,
    planning,
    prometheus,
    raw,
    reports,
    service,
    structure,
    subscriptions,
    sync_admin,
    tokens,
)
from app.settings import Settings
from app.state import AppState
from art.config import TrainyardConfig
from art.db import check_migrated, make_engine, session_factory, transaction
from sync.scheduler import SyncService
from sync.structure import apply_config

log = logging.getLogger(__name__)

DESCRIPTION = """Trainyard answers a Release Train Engineer's cross-team questions (PI
predictability, cross-team dependencies, flow) from Jira and Azure DevOps, continuously.
Authenticate with `Authorization: Bearer <token>` (create one with `trainyard token create`)."""


def build_state(settings: Settings, config: TrainyardConfig | None = None) -> AppState:
    """Engine, sessions and configuration; refuses an un-migrated database.

    With no configuration (neither given nor on disk) the demo trackers are started."""
    config = config if config is not None else configuration.load(settings)
    engine = make_engine(settings.database_url)
    check_migrated(engine)
    demo = None
    if config is None:
        demo = start_demo(settings.demo_items)
        config = demo.config
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        apply_config(session, config)
    state = AppState(settings=settings, config=config, engine=engine, sessions=sessions)
    if demo is not None:
        state.extras["demo"] = demo
    return state


def create_app(settings: Settings | None = None, config: TrainyardConfig | None = None) -> FastAPI:
    """Build the app; the database and configuration are checked when it starts."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings, config)
        app.state.trainyard = state
        hooks.warn_unsigned(state.config)
        reports = ReportService(state.sessions, state.config)
        state.extras["reports"] = reports
        digest_service = DigestService(state.sessions, reports, settings)
        state.extras["digests"] = digest_service
        if settings.scheduler:
            digest_service.start()
        sync = SyncService(state.sessions, state.config)
        state.extras["sync"] = sync
        sync.start(schedule=settings.scheduler)
        demo = state.extras.get("demo")
        if demo is not None:  # the demo ART is pulled at once, then kept moving
            for source in state.config.sources:
                sync.trigger(source, full=True)
            demo.keep_changing()
        outgoing = OutgoingService(state.sessions, settings, reports)
        state.extras["outgoing"] = outgoing
        outgoing.start()
        log.info("Trainyard ready on %s", settings.database_url)
        try:
            yield
        finally:
            outgoing.stop()
            digest_service.stop()
            sync.stop()
            for _, connector in state.extras.get("hook_connectors", {}).values():
                connector.close()
            if demo is not None:
                demo.stop()
            state.engine.dispose()

    app = FastAPI(
        title="Trainyard",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(query_guard.check_request)],  # every route's parameters
    )
    problems.install(app)
    app.include_router(service.router)
    app.include_router(prometheus.router)
    app.include_router(structure.router)
    app.include_router(planning.router)
    app.include_router(raw.router)
    app.include_router(reports.router)
    app.include_router(sync_admin.router)
    app.include_router(subscriptions.router)
    app.include_router(tokens.router)
    app.include_router(digests.router)
    app.include_router(hooks.router)
    return app
