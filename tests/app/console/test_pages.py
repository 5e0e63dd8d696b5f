"""The console's pages over the golden ART, through the app (no browser): what each page
shows, from the report bodies the API serves, and the errors it answers in HTML."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

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


def _text(html: str) -> str:
    """The page's text, tags dropped and spaces collapsed, to read sentences in it."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_home_page_names_the_current_pi_its_iteration_and_the_red_dependencies(
    console: Api,
) -> None:
    text = _text(console.client.get(f"/arts/{ART}", params={"as_of": AS_OF}).text)
    assert "Current PI: PI 26.1 , iteration I3 (2026-02-02 to 2026-02-15)." in text
    assert "Objectives scored 2 of 6" in text
    assert "So far (scored) 117% above 100%" in text
    assert "Late and in conflict (2)" in text
    assert "late GREEN-F1 (Green) → RED-F2 (Red): GREEN-F1 (Green) was planned" in text
    assert "conflict GREEN-F3 (Green) → BLUE-F3 (Blue):" in text
    assert "Older than the 85th percentile of flow time (1)" in text
    assert "golden jira never run never" in text  # the source, never pulled in this store


def test_the_dependency_filters_keep_what_they_name(console: Api) -> None:
    path = f"/arts/{ART}/pis/{REPORT_PI}/dependencies"
    late = console.client.get(path, params={"as_of": AS_OF, "status": "late", "team": ""})
    assert "1 dependencies with status late" in _text(late.text)
    assert late.text.count('<tr class="dep-row-') == 1
    green = console.client.get(path, params={"as_of": AS_OF, "team": "Green"})
    assert green.text.count('<tr class="dep-row-') == 6
    assert (
        'href="/api/v1/arts/Phoenix/pis/PI%2026.1/dependencies?team=Green&amp;format=csv&amp;'
        'as_of=2026-02-10T12%3A00%3A00%2B00%3A00"' in green.text
    )


def test_the_item_page_shows_its_history_links_and_dependency_status(console: Api) -> None:
    text = _text(console.client.get(f"/arts/{ART}/items/RED-F2", params={"as_of": AS_OF}).text)
    assert "RED-F2: RED-F2 feature" in text
    assert "Iteration I3 PI PI 26.1 Points — Open RED-F2 in the tracker" in text
    assert "History 2025-12-15 09:00 created Links" in text
    assert "is blocked by GREEN-F1 late GREEN-F1 (Green) was planned to finish with I2" in text
    assert "blocks GREEN-F3 at risk RED-F2 (Red) is planned to finish with I3" in text


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/arts/Nowhere", "no ART named 'Nowhere'"),
        (f"/arts/{ART}/pis/PI 99.9/board", "no PI named 'PI 99.9'"),
        (f"/arts/{ART}/pis/{REPORT_PI}/board?team=Purple", "no team named 'Purple' in Phoenix"),
        (f"/arts/{ART}/items/NOPE-1", "no item 'NOPE-1' in Phoenix"),
        (f"/arts/{ART}/flow?from=soon", "from 'soon' is not a date (YYYY-MM-DD)"),
    ],
)
def test_what_cannot_be_shown_is_an_html_page_saying_why(
    console: Api, path: str, message: str
) -> None:
    resp = console.client.get(path)
    assert resp.status_code in (400, 404)
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert message in _text(resp.text).replace("&#39;", "'")


def test_no_page_writes_to_the_store(console: Api) -> None:
    """Signed in, every page only reads: no INSERT, UPDATE or DELETE while it is served."""
    engine = console.client.app.state.trainyard.engine  # type: ignore[attr-defined]
    writes: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        for path in PAGES:
            assert console.client.get(path, params={"as_of": AS_OF}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert writes == []
