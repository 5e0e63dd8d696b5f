"""The console's pages as a browser test visits them, and signing in through the form."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from tests.e2e.browser.conftest import Site
from tests.e2e.browser.site import Visit

# (screenshot name, path template, a heading the page must show)
PAGES = [
    ("home", "/arts/{art}", "{art}"),
    ("program-board", "/arts/{art}/pis/{pi}/board", "Program board: {pi}"),
    ("board-dependencies-only", "/arts/{art}/pis/{pi}/board?view=dependencies", "Program board"),
    ("dependencies", "/arts/{art}/pis/{pi}/dependencies", "Dependencies: {pi}"),
    ("predictability", "/arts/{art}/predictability", "PI predictability"),
    ("flow", "/arts/{art}/flow", "Flow"),
    ("velocity", "/arts/{art}/velocity", "Velocity and plan baseline"),
    ("data-quality", "/arts/{art}/data-quality", "Data quality"),
]


def sign_in(visit: Visit, site: Site, target: str) -> None:
    """Open ``target`` with no session, land on sign-in, sign in, and come back to it."""
    visit.open(target)
    landed = urlsplit(visit.page.url)
    [back] = parse_qs(landed.query)["next"]
    assert (landed.path, unquote(back)) == ("/sign-in", unquote(target))
    visit.page.fill("#token", site.token)
    visit.page.click("button[type=submit]")
    visit.page.wait_for_load_state("load")
    assert visit.page.url == site.base + target


def check_every_page(visit: Visit, site: Site) -> None:
    """Each page answers 200 with its heading, no console error, no failed request; a
    screenshot of each is kept."""
    for name, template, heading in PAGES:
        response = visit.open(site.path(template))
        assert response is not None and response.status == 200, (name, response)
        h1 = visit.page.inner_text("h1")
        assert heading.format(art=site.art, pi=site.pi) in h1, (name, h1)
        assert visit.page.locator("footer time").count() == 1, name  # the as-of time
        assert visit.problems == [], (name, visit.problems)
        visit.shot(f"{site.name}-{name}")
