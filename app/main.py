"""The FastAPI application factory and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from app import console, problems, query_guard
from app.mcp.server import McpHttp
from app.routes import (
    digests,
    hooks,
    planning,
    prometheus,
    raw,
    reports,
    reports_bottlenecks,
    service,
    structure,
    subscriptions,
    sync_admin,
    tokens,
)
from app.settings import Settings
from app.state import build_state, close_state, database_shown
from app.worker import Worker
from art.config import TrainyardConfig

log = logging.getLogger(__name__)

DESCRIPTION = """Trainyard answers a Release Train Engineer's cross-team questions (PI
predictability, cross-team dependencies, flow) from Jira and Azure DevOps, continuously.
Authenticate with `Authorization: Bearer <token>` (create one with `trainyard token create`)."""


def create_app(
    settings: Settings | None = None,
    config: TrainyardConfig | None = None,
    *,
    with_worker: bool = True,
) -> FastAPI:
    """Build the app; the database and configuration are checked when it starts.

    ``with_worker`` (``trainyard start``, the tests) runs the worker (app/worker.py) in this
    process too; without it (``trainyard serve``) the process serves HTTP only: webhooks are
    stored and answered, and a ``trainyard worker`` elsewhere applies them."""
    settings = settings or Settings()
    mcp = McpHttp(lambda: app.state.trainyard)  # assistants (docs/mcp.md), read scope

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings, config)
        app.state.trainyard = state
        hooks.warn_unsigned(state.config, demo=state.demo is not None)
        worker = Worker(state) if with_worker else None
        if worker is not None:
            worker.start()
        if state.demo is not None:  # the demo's tracker keeps moving
            state.demo.keep_changing()
        sources = ", ".join(f"{s.name} ({s.kind})" for s in state.config.sources) or "none"
        arts = ", ".join(a.name for a in state.config.arts) or "none"
        url, database = f"http://{settings.host}:{settings.port}", database_shown(state)
        ready = {"url": url, "console": f"{url}/", "database": database, "sources": sources}
        ready["arts"] = arts
        shown = (
            f"{url} (console {url}/, API {url}/docs; database {database}; sources {sources}; "
            f"ARTs {arts})"
        )
        if worker is not None:
            log.info("Trainyard ready on %s, with the worker in this process", shown, extra=ready)
        else:
            log.info(
                "Trainyard web ready on %s: HTTP only; pulls, the webhook inbox, deliveries, "
                "the event watcher and digests run in `trainyard worker`",
                shown,
                extra=ready,
            )
        try:
            async with mcp.running():
                yield
        finally:
            if worker is not None:
                worker.stop()
            close_state(state)

    # /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline package
    # (under /static-offline-docs), not from a CDN: they work where the service has no internet
    app = FastAPIOffline(
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
    app.include_router(reports_bottlenecks.router)
    app.include_router(sync_admin.router)
    app.include_router(subscriptions.router)
    app.include_router(tokens.router)
    app.include_router(digests.router)
    app.include_router(hooks.router)
    # an ASGI app as the endpoint: Starlette passes it the raw request, as the SDK expects
    app.add_route("/mcp", mcp.app, include_in_schema=False)  # type: ignore[arg-type]
    console.install(app)  # the RTE console's pages at /, after the API's routes
    return app
