"""The RTE console: the reports as web pages (program board, dependencies, predictability,
flow, velocity, items, data quality), served by the API's own app at ``/``.

Read-only, server-rendered HTML on the report service's bodies; sign-in with an API token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.console import routes_home, routes_pi, routes_reports
from app.console.pages import STATIC_URL


def install(app: FastAPI) -> None:
    """Mount the console's pages and its stylesheet on ``app``."""
    app.include_router(routes_home.router)
    app.include_router(routes_pi.router)
    app.include_router(routes_reports.router)
    static = StaticFiles(directory=Path(__file__).parent / "static")
    app.mount(STATIC_URL, static, name="console-static")
