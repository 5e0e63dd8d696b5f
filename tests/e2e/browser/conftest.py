"""The console served for real on the golden ART and on the demo ART, and headless Chromium
(Debian's package, driven by Playwright) to look at it.

Both sites are built once per module: a migrated SQLite store, the app on a free port, the
ART written (golden) or pulled from the demo's tracker simulators (demo), and a read token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, sync_playwright

from app.demo import start_demo
from app.main import create_app
from app.settings import Settings
from app.tokens import issue_token
from art.config import TrainyardConfig
from art.db import upgrade
from sync.runner import PullRunner
from tests.app.api.conftest import ART, AS_OF, REPORT_PI, golden_config
from tests.app.test_demo import AS_OF as DEMO_AS_OF
from tests.app.test_demo import TODAY as DEMO_TODAY
from tests.e2e.browser.site import CHROMIUM, INSTALL, served
from tests.golden_store import store_art
from tests.metrics.golden_inputs import golden, scenario_data


@dataclass(frozen=True)
class Site:
    """A running console: its URL, ART, report PI, the as_of its pages are asked at, and a
    read token."""

    name: str
    base: str
    art: str
    pi: str
    as_of: str
    token: str

    def path(self, page: str) -> str:
        """``page`` (with {art} and {pi} filled in) at the site's as_of."""
        filled = page.format(art=quote(self.art), pi=quote(self.pi))
        joiner = "&" if "?" in filled else "?"
        return f"{filled}{joiner}as_of={self.as_of.replace('+', '%2B')}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One browser per test module: Playwright's sync API holds an event loop in the main
    thread while it runs, so it must stop before the tests of other folders (which run their
    own loops there) begin."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no chromium at {CHROMIUM}: run `sh {INSTALL}` (make test does)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _settings(directory: Path) -> Settings:
    url = f"sqlite:///{directory / 'store.db'}"
    upgrade(url)
    return Settings(database_url=url, data_dir=directory / "data", scheduler=False)


def _token(app_state: object) -> str:
    with app_state.sessions() as session, session.begin():  # type: ignore[attr-defined]
        return issue_token(session, "browser", ["read"], now=datetime.now(UTC)).secret


@pytest.fixture(scope="module")
def golden_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The golden ART (tests/fixtures/golden) behind the console, at its as_of."""
    app = create_app(
        _settings(tmp_path_factory.mktemp("golden")), golden_config(), with_worker=False
    )
    with served(app) as base:
        state = app.state.trainyard
        scenario, _ = golden()
        with state.sessions() as session, session.begin():
            store_art(session, scenario_data(scenario))
        yield Site("golden", base, ART, REPORT_PI, AS_OF, _token(state))


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo ART as `make run` serves it, both trackers pulled once, on a pinned day."""
    settings = _settings(tmp_path_factory.mktemp("demo"))
    demo = start_demo(settings.demo_items, today=DEMO_TODAY)
    try:
        config: TrainyardConfig = demo.config
        app = create_app(settings, config, with_worker=False)
        with served(app) as base:
            state = app.state.trainyard
            for source in config.sources:
                PullRunner(state.sessions, config, source).run()
            current = "PI 26.5"  # the PI running on the pinned day (tests/app/test_demo.py)
            yield Site("demo", base, config.arts[0].name, current, DEMO_AS_OF, _token(state))
    finally:
        demo.stop()
