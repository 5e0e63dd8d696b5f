"""The console's pages over the golden ART, through the app (no browser): what each page
shows, from the report bodies the API serves, and the errors it answers in HTML."""

from __future__ import annotations

import re

import pytest

from tests.app.api.conftest import ART, AS_OF, REPORT_PI, Api

PAGES = [
    f"/arts/{ART}",
    f"/arts/{ART}/pis/{REPORT_PI}/board",
    f"/arts/{ART}/pis/{REPORT_PI}/dependencies",
    f"/arts/{ART}/predictability",
    f"/arts/{ART}/flow",
    f"/arts/{ART}/velocity",
    f"/arts/{ART}/data-quality",
    f"/arts/{ART}/items/RED-F2",
]


@pytest.fixture
def console(api: Api) -> Api:
    """The golden ART's app with a console session signed in with the read token."""
    resp = api.client.post(
        "/sign-in", data={"token": api.tokens["read"], "next": "/"}, follow_redirects=False
    )
    assert (resp.status_code, resp.headers["location"]) == (303, "/")
    return api


@pytest.mark.parametrize("path", PAGES)
def test_every_page_is_html_with_its_as_of_and_data_links(console: Api, path: str) -> None:
    resp = console.client.get(path, params={"as_of": AS_OF})
    assert resp.status_code == 200, resp.text[:2000]
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert resp.headers["cache-control"] == "no-store"
    assert '<time datetime="2026-02-10T12:00:00+00:00">2026-02-10 12:00 UTC</time>' in resp.text
    assert re.search(r'href="/api/v1/[^"]*format=csv', resp.text), "no CSV link"
