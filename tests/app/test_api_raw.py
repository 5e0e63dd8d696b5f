"""BI lists: items, changes, links; filters, incremental loads, paging, CSV, bad parameters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.routes.raw import ITEM_COLUMNS
from art.config import TrainyardConfig
from art.models import ART, Source, WorkItem
from art.models import Change as ChangeRow
from sync.runner import PullRunner
from sync.structure import apply_config
from tests.conftest import bearer
from tests.sync.fake_connector import T0, FakeConnector, FakeItem
from tests.sync.test_pull import CONFIG


def test_items_filtered_by_team_and_category(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client, items = loaded
    h = bearer(tokens["read"])
    body = client.get("/api/v1/items?art=Phoenix&team=Red&status_category=done", headers=h).json()
    expected = sorted(i.key for i in items if i.team == "Red" and i.status == "Done")
    assert sorted(r["key"] for r in body["data"]) == expected == ["PHX-1", "PHX-5"]
    row = next(r for r in body["data"] if r["key"] == "PHX-1")
    assert {
        k: row[k]
        for k in ("source", "art", "team", "iteration", "pi", "status", "story_points", "deleted")
    } == {
        "source": "fake",
        "art": "Phoenix",
        "team": "Red",
        "iteration": "Sprint 1",
        "pi": "PI 26.1",
        "status": "Done",
        "story_points": 3.0,
        "deleted": False,
    }


def test_items_page_through_every_row_once(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client, items = loaded
    h = bearer(tokens["read"])
    seen, url = [], "/api/v1/items?limit=3"
    while url:
        resp = client.get(url, headers=h)
        body = resp.json()
        seen += [r["key"] for r in body["data"]]
        url = f"/api/v1/items?limit=3&cursor={body['next_cursor']}" if body["next_cursor"] else ""
    assert sorted(seen) == sorted(i.key for i in items)
    assert len(seen) == len(set(seen)) == 8


def test_an_item_shows_the_page_columns_in_order_and_not_the_store_id(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    pages = {
        fmt: loaded[0].get(f"/api/v1/items?limit=2&format={fmt}", headers=bearer(tokens["read"]))
        for fmt in ("json", "csv")
    }
    assert [list(row) for row in pages["json"].json()["data"]] == [ITEM_COLUMNS, ITEM_COLUMNS]
    header, *rows = pages["csv"].text.splitlines()
    assert (header, len(rows)) == (",".join(ITEM_COLUMNS), 2)


def _keys(client: TestClient, tokens: dict[str, str], query: str) -> list[str]:
    resp = client.get(f"/api/v1/items?{query}", headers=bearer(tokens["read"]))
    assert resp.status_code == 200, resp.text
    return sorted(r["key"] for r in resp.json()["data"])


def test_items_filtered_by_one_key_and_by_several(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client, items = loaded
    assert len(items) == 8
    assert _keys(client, tokens, "key=PHX-3") == ["PHX-3"]
    assert _keys(client, tokens, "key=PHX-3&key=PHX-6") == ["PHX-3", "PHX-6"]
    # the other filters still apply: PHX-1 is Red, PHX-2 Blue
    assert [i.team for i in items[:2]] == ["Red", "Blue"]
    assert _keys(client, tokens, "key=PHX-1&key=PHX-2&team=Red") == ["PHX-1"]
    assert _keys(client, tokens, "key=PHX-99") == []
    csv = client.get("/api/v1/items?key=PHX-5&format=csv", headers=bearer(tokens["read"]))
    assert [line.split(",")[0] for line in csv.text.splitlines()] == ["key", "PHX-5"]


BOARDS = TrainyardConfig.model_validate(
    {
        "arts": [{"name": "Phoenix", "teams": [{"name": "Blue"}, {"name": "Red"}]}],
        "sources": [
            {"name": "fake", "kind": "fake", "url": "http://fake", "art": "Phoenix"},
            {"name": "boards", "kind": "azure-devops", "url": "http://ado", "art": "Phoenix"},
        ],
    }
)


def _store_items(
    client: TestClient, config: TrainyardConfig, stored: list[tuple[str, str]]
) -> None:
    """Apply ``config`` and store a to-do story per (source, key) in ART Phoenix."""
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        apply_config(s, config)
        sources = {name: id_ for name, id_ in s.execute(select(Source.name, Source.id))}
        art_id = s.scalars(select(ART.id).where(ART.name == "Phoenix")).one()
        s.add_all(
            WorkItem(
                source_id=sources[source],
                art_id=art_id,
                key=key,
                tracker_id=key,
                title=f"Item {key}",
                item_type="Story",
                level="story",
                work_type="feature",
                status="To Do",
                status_category="todo",
                created_at=T0,
                updated_at=T0,
                synced_at=T0,
            )
            for source, key in stored
        )


def test_items_filtered_by_display_key_of_azure_devops_items(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """Azure DevOps ids display as ``#1014`` (docs/api.md): ``key=#1014`` names Azure DevOps item
    1014 and never an item of another tracker whose key happens to be ``1014``."""
    stored = [("boards", "1014"), ("boards", "1015"), ("boards", "1016")]
    stored += [("fake", "1014"), ("fake", "PHX-1")]  # another tracker's key "1014"
    _store_items(client, BOARDS, stored)

    def rows(query: str) -> list[tuple[str, str]]:
        resp = client.get(f"/api/v1/items?{query}", headers=bearer(tokens["read"]))
        assert resp.status_code == 200, resp.text
        return sorted((r["source"], r["key"]) for r in resp.json()["data"])

    assert rows("key=%231014") == [("boards", "1014")]
    assert rows("key=%231014&key=%231016") == [("boards", "1014"), ("boards", "1016")]
    assert rows("key=1014") == [("boards", "1014"), ("fake", "1014")]
    assert rows("key=%231014&key=PHX-1") == [("boards", "1014"), ("fake", "PHX-1")]
    assert rows("key=%23") == []


ORION = TrainyardConfig.model_validate(
    {
        "arts": [{"name": "Phoenix", "teams": [{"name": "Blue"}, {"name": "Red"}]}],
        "sources": [
            {"name": "fake", "kind": "jira", "url": "https://acme.atlassian.net", "art": "Phoenix"},
            {
                "name": "boards",
                "kind": "azure-devops",
                "url": "https://dev.azure.com/acme",
                "project": "Orion",
                "display_prefix": "ORN-",
                "art": "Phoenix",
            },
        ],
    }
)


@pytest.mark.parametrize("app_config", [ORION])
def test_items_link_back_to_the_tracker_and_filter_by_prefixed_display_key(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """Issue 14: each row carries its tracker URL and display key (the source's prefix for
    Azure DevOps ids), at the end of the CSV columns; ``key=ORN-1014`` names that item."""
    _store_items(client, ORION, [("boards", "1014"), ("boards", "1015"), ("fake", "PHX-1")])
    h = bearer(tokens["read"])

    def refs(query: str) -> list[tuple[str, str, str]]:
        resp = client.get(f"/api/v1/items?{query}", headers=h)
        assert resp.status_code == 200, resp.text
        return sorted((r["key"], r["url"], r["display_key"]) for r in resp.json()["data"])

    ado_1014 = ("1014", "https://dev.azure.com/acme/Orion/_workitems/edit/1014", "ORN-1014")
    assert refs("") == [
        ado_1014,
        ("1015", "https://dev.azure.com/acme/Orion/_workitems/edit/1015", "ORN-1015"),
        ("PHX-1", "https://acme.atlassian.net/browse/PHX-1", "PHX-1"),
    ]
    assert refs("key=ORN-1014") == [ado_1014]
    assert refs("key=ORN-1014&key=PHX-1") == [
        ado_1014,
        ("PHX-1", "https://acme.atlassian.net/browse/PHX-1", "PHX-1"),
    ]
    assert refs("key=ORN-") == []
    csv = client.get("/api/v1/items?key=ORN-1014&format=csv", headers=h).text.splitlines()
    assert csv[0].endswith(",deleted,synced_at,url,display_key")
    assert csv[1].endswith(",https://dev.azure.com/acme/Orion/_workitems/edit/1014,ORN-1014")


def test_updated_since_returns_only_what_changed_later(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client, items = loaded
    h = bearer(tokens["read"])
    first = client.get("/api/v1/items", headers=h).json()["data"]
    mark = max(r["synced_at"] for r in first)
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    items[2].move("Done", T0 + timedelta(days=8))
    PullRunner(state.sessions, CONFIG, CONFIG.source("fake"), FakeConnector(items)).run()
    later = client.get("/api/v1/items", headers=h, params={"updated_since": mark}).json()["data"]
    # updated_since is inclusive: the rows stamped at `mark` come back, plus the changed one
    at_mark = [r["key"] for r in first if r["synced_at"] == mark]
    assert sorted(r["key"] for r in later) == sorted({*at_mark, "PHX-3"})
    assert len(at_mark) < len(first)
    changes = client.get(
        "/api/v1/changes?field=status", headers=h, params={"updated_since": mark}
    ).json()["data"]
    assert [(c["key"], c["from"], c["to"]) for c in changes if c["key"] == "PHX-3"] == [
        ("PHX-3", "In Progress", "Done")
    ]


def test_links_cross_team_and_csv(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    client, _ = loaded
    h = bearer(tokens["read"])
    resp = client.get("/api/v1/links?cross_team=true&format=csv", headers=h)
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    lines = resp.text.splitlines()
    assert lines[0] == (
        "from,to,kind,tracker_type,source,from_team,to_team,cross_team,recorded_at,"
        "from_url,from_display_key,to_url,to_display_key"
    )
    assert [line.split(",")[:8] for line in lines[1:]] == [
        ["PHX-1", "PHX-2", "blocks", "Blocks", "fake", "Red", "Blue", "true"],
        ["PHX-4", "PHX-5", "blocks", "Blocks", "fake", "Blue", "Red", "true"],
        ["PHX-7", "PHX-8", "blocks", "Blocks", "fake", "Red", "Blue", "true"],
    ]


@pytest.mark.parametrize(
    ("query", "status", "parameter"),
    [
        ("/api/v1/items?team=Purple", 422, "team"),
        ("/api/v1/items?pi=PI%209.9", 422, "pi"),
        ("/api/v1/items?art=Dragon", 422, "art"),
        ("/api/v1/items?level=saga", 422, "level"),
        ("/api/v1/items?updated_since=yesterday", 422, "updated_since"),
        ("/api/v1/items?updated_since=2026-01-05T00:00:00", 422, "updated_since"),
        ("/api/v1/changes?cursor=eyJ4IjoxfQ", 422, "cursor"),
        ("/api/v1/links?limit=0", 422, "limit"),
        ("/api/v1/items?keys=PHX-1", 422, "keys"),
        ("/api/v1/changes?key=PHX-1", 422, "key"),
        ("/api/v1/links?team=Red", 422, "team"),
    ],
)
def test_bad_parameters_are_named(
    loaded: tuple[TestClient, list[FakeItem]],
    tokens: dict[str, str],
    query: str,
    status: int,
    parameter: str,
) -> None:
    client, _ = loaded
    resp = client.get(query, headers=bearer(tokens["read"]))
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["errors"][0]["parameter"] == parameter


def test_stored_numbers_come_back_as_entered(
    loaded: tuple[TestClient, list[FakeItem]], tokens: dict[str, str]
) -> None:
    """Points and business value are float columns, but 5 comes back as 5 (JSON and CSV),
    5.5 as 5.5, and a points change shows its values the same way."""
    client, _ = loaded
    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        one = s.scalars(select(WorkItem).where(WorkItem.key == "PHX-1")).one()
        one.story_points, one.business_value = 5.0, 5.5
        s.add(
            ChangeRow(
                work_item_id=one.id,
                field="points",
                from_value="3.0",
                to_value="5.0",
                at=T0,
                seq=0,
                dedupe_key="PHX-1-points",
                recorded_at=T0 + timedelta(days=400),
            )
        )
    h = bearer(tokens["read"])
    page = client.get("/api/v1/items?key=PHX-1&key=PHX-2", headers=h)
    assert '"story_points":5,"business_value":5.5,' in page.text
    assert '"story_points":3,"business_value":null,' in page.text
    csv = client.get("/api/v1/items?key=PHX-1&format=csv", headers=h).text.splitlines()
    header, row = csv[0].split(","), csv[1].split(",")
    assert (row[header.index("story_points")], row[header.index("business_value")]) == (
        "5",
        "5.5",
    )
    changes = client.get("/api/v1/changes?field=points", headers=h).json()["data"]
    assert [(c["key"], c["from"], c["to"]) for c in changes] == [("PHX-1", "3", "5")]
