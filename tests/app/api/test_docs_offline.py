"""/docs and /redoc work without internet: every script, stylesheet and icon they load is
served by the app itself (from the installed fastapi-offline package), none from a CDN."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


class Assets(HTMLParser):
    """The URLs a page loads: script src and link href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [v for k, v in attrs if k == wanted and v]


def assets(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


CLIENT = TestClient(create_app(Settings(scheduler=False)))
EXPECTED = {
    "/docs": [
        ("/static-offline-docs/swagger-ui.css", "text/css"),
        ("/static-offline-docs/favicon.png", "image/png"),
        ("/static-offline-docs/swagger-ui-bundle.js", "text/javascript"),
    ],
    "/redoc": [
        ("/static-offline-docs/favicon.png", "image/png"),
        ("/static-offline-docs/redoc.standalone.js", "text/javascript"),
    ],
}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_page_loads_only_assets_the_app_serves(page: str) -> None:
    resp = CLIENT.get(page)
    assert resp.status_code == 200
    assert "http://" not in resp.text and "https://" not in resp.text
    urls = assets(resp.text)
    assert [(u, CLIENT.get(u).headers["content-type"].split(";")[0]) for u in urls] == EXPECTED[
        page
    ]
    for url in urls:
        asset = CLIENT.get(url)
        assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert "/openapi.json" in resp.text and CLIENT.get("/openapi.json").status_code == 200
