"""The BI lists' pages are kept per store version: a repeat costs no query of the data, and a
new data version (a pull, a webhook) is seen at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.page_cache import PageCache
from app.render import CSV, RenderedList
from sync.runner import PullRunner
from tests.conftest import bearer
from tests.sync.fake_connector import T0, FakeConnector, FakeItem
from tests.sync.test_pull import CONFIG


@pytest.fixture
def data_reads(loaded: tuple[TestClient, list[FakeItem]]) -> Iterator[list[str]]:
    """The statements sent to the store that read items, history or links."""
    engine = loaded[0].app.state.trainyard.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if any(f"FROM {t}" in statement for t in ("work_items", "changes", "links")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _pull(client: TestClient, items: list[FakeItem]) -> None:
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    PullRunner(state.sessions, CONFIG, CONFIG.source("fake"), FakeConnector(items)).run()


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/changes", "/api/v1/links"])
def test_a_repeated_page_is_not_read_again(
    loaded: tuple[TestClient, list[FakeItem]],
    tokens: dict[str, str],
    data_reads: list[str],
    path: str,
) -> None:
    client = loaded[0]
    h = bearer(tokens["read"])
    first = client.get(f"{path}?limit=3", headers=h)
    assert first.status_code == 200, first.text
    reads = len(data_reads)
    again = client.get(f"{path}?limit=3", headers=h)
    assert reads >= 1 and len(data_reads) == reads  # the repeat sent no query of the data
    assert (again.status_code, again.content) == (200, first.content)
    assert again.headers.get("link") == first.headers.get("link")
    client.get(f"{path}?limit=2", headers=h)  # another query is another page
    assert len(data_reads) > reads


def test_a_page_served_again_asks_the_store_nothing(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    """Not even the store's versions: they are kept until a commit raises one."""
    client, items = loaded
    h = bearer(tokens["read"])
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    engine = state.engine
    # the versions kept are trusted for a second at most (art.version_watch): on a slow
    # machine the two requests may be further apart than that
    state.reports.versions.trust_seconds = 3600.0
    first = client.get("/api/v1/items?key=PHX-3", headers=h)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    again = client.get("/api/v1/items?key=PHX-3", headers=h)
    assert (again.status_code, again.content, seen) == (200, first.content, [])
    items[2].move("Done", T0 + timedelta(days=8))
    _pull(client, items)
    seen.clear()
    after = client.get("/api/v1/items?key=PHX-3", headers=h).json()["data"]
    assert [row["status"] for row in after] == ["Done"]
    assert sum("FROM arts" in s for s in seen) == 1  # the versions, read again once


def test_a_new_data_version_is_seen_at_once(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client, items = loaded
    h = bearer(tokens["read"])

    def phx3() -> dict[str, Any]:
        rows = client.get("/api/v1/items?key=PHX-3", headers=h).json()["data"]
        assert len(rows) == 1
        return dict(rows[0])

    before = phx3()
    assert before["status"] == "In Progress"
    items[2].move("Done", T0 + timedelta(days=8))
    _pull(client, items)
    after = phx3()
    assert (after["status"], after["status_category"]) == ("Done", "done")
    assert after["synced_at"] > before["synced_at"]


def test_json_and_csv_of_one_query_are_kept_apart(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client = loaded[0]
    h = bearer(tokens["read"])
    as_json = client.get("/api/v1/items?limit=2", headers=h)
    as_csv = client.get("/api/v1/items?limit=2", headers={**h, "Accept": "text/csv"})
    assert as_json.headers["content-type"] == "application/json"
    assert as_csv.headers["content-type"] == CSV
    assert as_csv.text.startswith("key,source,art,")
    assert client.get("/api/v1/items?limit=2", headers=h).content == as_json.content


def test_a_bad_query_is_refused_every_time(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    h = bearer(tokens["read"])
    for _ in range(2):
        resp = loaded[0].get("/api/v1/items?team=Nobody", headers=h)
        assert (resp.status_code, resp.json()["detail"]) == (422, "no team named 'Nobody'")


def _page(content: bytes) -> RenderedList:
    return RenderedList(content, "application/json", None)


def test_the_least_recently_used_pages_go_first_past_the_byte_budget() -> None:
    pages = PageCache(max_bytes=25)
    rendered: list[str] = []

    def render(name: str) -> RenderedList:
        rendered.append(name)
        return _page(name.encode() * 10)

    for name in ("a", "b", "a", "c"):  # "a" again: "b" is the least recently used, and
        pages.page(name, partial(render, name))  # with "c", 30 bytes > 25: "b" goes
    assert len(pages) == 2
    for name in ("a", "c", "b"):
        pages.page(name, partial(render, name))
    assert rendered == ["a", "b", "c", "b"]
    assert pages.page("big", lambda: _page(b"x" * 26)).content == b"x" * 26
    assert len(pages) == 2  # a page over the whole budget is sent, never kept


def test_readers_of_a_page_being_rendered_wait_for_that_render() -> None:
    """When data arrives every dashboard asks for its page anew at once: one render, not
    one per reader; readers of another page are not held up by it."""
    pages = PageCache()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(name: str) -> RenderedList:
        calls.append(name)
        started.set()
        assert release.wait(5)
        return _page(name.encode())

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(pages.page, "p", partial(slow, "p"))
        assert started.wait(5)
        waiting = [pool.submit(pages.page, "p", partial(slow, "again")) for _ in range(2)]
        other = pages.page("q", lambda: _page(b"q"))  # another page renders meanwhile
        assert other.content == b"q" and not first.done()
        release.set()
        got = [f.result(5).content for f in (first, *waiting)]
    assert got == [b"p", b"p", b"p"]
    assert calls == ["p"] and pages.renders == 2


def test_a_failed_render_is_not_kept_and_the_next_reader_renders_again() -> None:
    pages = PageCache()

    def broken() -> RenderedList:
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError, match="store went away"):
        pages.page("p", broken)
    assert pages.page("p", lambda: _page(b"ok")).content == b"ok"
    assert (len(pages), pages.renders) == (1, 1)
