"""The console on the demo ART (`make run`'s) in headless Chromium: every page loads with
no error, and the program board of the running PI has cards and strings."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.e2e.browser.conftest import Site
from tests.e2e.browser.pages import check_every_page, sign_in
from tests.e2e.browser.site import visit


def test_every_demo_page_loads_without_an_error(browser: Browser, demo_site: Site) -> None:
    page = visit(browser, demo_site.base)
    sign_in(page, demo_site, demo_site.path("/arts/{art}"))
    page.open("/")  # one ART: the start page is its home
    assert page.page.url == f"{demo_site.base}/arts/{demo_site.art}"
    check_every_page(page, demo_site)


def test_the_demo_board_has_late_and_conflicting_strings(browser: Browser, demo_site: Site) -> None:
    page = visit(browser, demo_site.base)
    sign_in(page, demo_site, demo_site.path("/arts/{art}/pis/{pi}/board"))
    assert page.page.locator("svg.board a.card").count() > 20
    statuses = set(
        page.page.locator("svg.board .string").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('data-status'))"
        )
    )
    assert {"late", "conflict"} <= statuses
    assert page.problems == []
