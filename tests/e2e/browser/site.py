"""The app served for real (uvicorn on a free port, in a thread) and a browser page that
records what went wrong while it loaded: console errors, page errors, failed requests and
answers of 400 or more."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

from simulators.server import BackgroundServer

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("TRAINYARD_CHROMIUM", "/usr/bin/chromium")
INSTALL = "tests/e2e/browser/install_chromium.sh"


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on 127.0.0.1 at a free port, lifespan included; yields its base URL. The
    simulators' server leaves the process's logging alone (uvicorn's own setup would not)."""
    server = BackgroundServer(app).start(timeout=60)
    try:
        yield server.url
    finally:
        server.stop()


@dataclass
class Visit:
    """A browser page with every problem it met while loading kept in ``problems``."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Response | None:
        self.problems.clear()
        return self.page.goto(self.base + path, wait_until="load")

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def visit(browser: Browser, base: str, width: int = 1600) -> Visit:
    """A new browser context (no cookie) and page on ``base``, recording problems."""
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    seen = Visit(page, base)

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            seen.problems.append(f"console error: {msg.text}")

    def failed(request: Request) -> None:
        seen.problems.append(f"request failed: {request.url} ({request.failure})")

    def answered(response: Response) -> None:
        if response.status >= 400:
            seen.problems.append(f"{response.status} for {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: seen.problems.append(f"page error: {error}"))
    page.on("requestfailed", failed)
    page.on("response", answered)
    return seen
