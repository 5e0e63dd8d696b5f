"""The console's pages over the golden ART, through the app (no browser): what each page
shows, from the report bodies the API serves, and the errors it answers in HTML."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.app.api.conftest import ART, AS_OF, REPORT_PI, Api
from tests.app.attributed import Attributed, serving

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
    assert "Status To Do todo Level feature Team Red" in text  # work type named when it differs
    assert "Iteration I3 PI PI 26.1 Points not estimated Open RED-F2 in the tracker" in text
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
    """Signed in, every page only reads: no INSERT, UPDATE or DELETE while it is served.

    Only the pages' own statements count (tests/app/attributed.py): the worker in the
    app's process writes on its own schedule (the figure watcher's report snapshot was
    seen once in CI amid the pages)."""
    state = console.client.app.state.trainyard  # type: ignore[attr-defined]
    pages = TestClient(Attributed(console.client.app), cookies=console.client.cookies)
    writes: list[str] = []
    served: list[str | None] = []

    def record(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        request = serving()
        if request is not None:
            served.append(request)
            if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE):
                writes.append(statement)

    event.listen(state.engine, "before_cursor_execute", record)
    try:
        for path in PAGES:
            assert pages.get(path, params={"as_of": AS_OF}).status_code == 200
    finally:
        event.remove(state.engine, "before_cursor_execute", record)
        pages.close()
    assert writes == []
    # the listener saw each page's statements (the session's lookup at least)
    assert {r.split(" ", 1)[1] for r in served if r} == set(PAGES)


# The golden PI 26.1 at AS_OF (tests/metrics/test_golden.py): no objective is linked to work,
# so the ART's outlook is its scored 7 of 6 planned in every trial (116.6667%, 100% of them at
# 80% or more) with objectives 9, 11, 12 and 13 unprojectable; the features' chances come
# from each team's throughput sample (seed derived from the data).
OUTLOOK_HOME = (
    "Outlook at the end of the PI Projected (middle of 10,000 trials) 117% "
    "85% of trials reach at least 117% Chance of 80% or more 100% "
    "Objectives that cannot be projected 4"
)
FEATURE_CHANCES = {
    "BLUE-F2": "85%",
    "BLUE-F3": "56%",
    "RED-F1": "52%",
    "RED-F2": "17%",
    "RED-F3": "4%",
    "GREEN-F1": "67%",
    "GREEN-F3": "30%",
}


def test_the_home_page_shows_the_outlook_while_the_pi_runs(console: Api) -> None:
    html = console.client.get(f"/arts/{ART}", params={"as_of": AS_OF}).text
    assert OUTLOOK_HOME in _text(html)
    assert (
        'href="/api/v1/arts/Phoenix/pis/PI%2026.1/outlook?format=csv&amp;'
        'as_of=2026-02-10T12%3A00%3A00%2B00%3A00"' in html
    )
    after = _text(console.client.get(f"/arts/{ART}", params={"as_of": "2026-04-01T12:00:00Z"}).text)
    assert "Current PI: PI 26.1" in after and "PI finished" in after
    assert "Outlook at the end of the PI" not in after  # nothing left to simulate


def test_the_board_shows_each_open_features_chance_while_the_pi_runs(console: Api) -> None:
    path = f"/arts/{ART}/pis/{REPORT_PI}/board"
    html = console.client.get(path, params={"as_of": AS_OF}).text
    found = dict(re.findall(r'data-key="([^"]+)" aria-label="[^"]*, (\d+%) chance done', html))
    assert found == FEATURE_CHANCES
    assert html.count('class="card-chance"') == len(FEATURE_CHANCES)
    assert "85%</tspan> chance done by PI end</text>" in html
    over = console.client.get(f"/arts/{ART}/pis/PI 25.4/board", params={"as_of": AS_OF}).text
    assert "chance done by PI end" not in over and "Outlook data" not in over


def test_the_predictability_page_shows_the_outlook_of_teams_and_objectives(
    console: Api,
) -> None:
    text = _text(console.client.get(f"/arts/{ART}/predictability", params={"as_of": AS_OF}).text)
    assert (
        "Blue 83% 83% 100% 1 Red cannot be projected — — 2 Green cannot be projected — — 1 "
        "ART 117% 117% 100% 4" in text
    )  # team rows: projected, 85% of trials, chance of 80% or more, cannot be projected
    head = "Planned BV Actual BV Earned BV Projected BV Chance complete"
    assert head in text
    assert "Blue Blue objective 10 of PI 26.1 committed 6 5 — 5 no linked work" in text
    unprojected = "committed 9 not scored — cannot be projected no linked work"
    assert f"Blue Blue objective 9 of PI 26.1 {unprojected}" in text
    stretch = "uncommitted (stretch) 2 2 — 2 no linked work"
    assert f"Green Green objective 14 of PI 26.1 {stretch}" in text
    old = console.client.get(
        f"/arts/{ART}/predictability", params={"as_of": AS_OF, "pi": "PI 25.4"}
    ).text
    assert "Projected BV" not in old and "Outlook of" not in old
