"""GET /arts/{art}/bottlenecks on the golden ART: the figures of tests/metrics/test_bottlenecks.py
through HTTP, tracker links, CSV sections, the ETag and parameter errors."""

from __future__ import annotations

import csv
import io

from app.routes.reports_bottlenecks import BOTTLENECK_COLUMNS
from tests.app.api.conftest import WINDOW, Api


def test_time_in_status_and_trend_through_http(api: Api) -> None:
    body = api.get("/bottlenecks", level="story", team="Blue", **WINDOW).json()
    assert (body["from"], body["to"], body["level"], body["team"]) == (
        "2026-01-05", "2026-02-09", "story", "Blue"
    )  # fmt: skip
    assert body["as_of"] == "2026-02-10T12:00:00+00:00"
    assert set(body["definition"]) >= {"time_in_status", "wip_trend", "blocked", "dependency_risk"}
    assert [(r["status"], r["item_days"], r["share_pct"]) for r in body["time_in_status"]] == [
        ("In Progress", 44.75, 75.1049),
        ("To Do", 9.0, 15.1049),
        ("Blocked", 3.0, 5.035),
        ("Done", 2.0, 3.3566),
        ("In Review", 0.8333, 1.3986),
    ]
    trend = api.get("/bottlenecks", level="story", **{"from": "2026-01-26", "to": "2026-02-09"})
    assert [(t["team"], t["rising"]) for t in trend.json()["wip_trend"]] == [
        ("Blue", False),
        ("Red", True),
        ("Green", False),
    ]


def test_items_link_back_to_the_tracker(api: Api) -> None:
    body = api.get("/bottlenecks", level="story").json()
    assert [(s["key"], s["url"], s["display_key"]) for s in body["stalled"]] == [
        ("BLUE-6", "http://tracker.invalid/browse/BLUE-6", "BLUE-6"),
        ("RED-4", "http://tracker.invalid/browse/RED-4", "RED-4"),
    ]
    first = body["dependency_risk"]["data"][0]
    assert (first["provider"]["key"], first["provider"]["url"]) == (
        "RED-F1",
        "http://tracker.invalid/browse/RED-F1",
    )


def test_the_seed_is_derived_and_stable(api: Api) -> None:
    one = api.get("/bottlenecks", **WINDOW).json()
    two = api.get("/bottlenecks", **WINDOW).json()
    assert one["seed"] == two["seed"] and one["dependency_risk"] == two["dependency_risk"]
    assert one["dependency_risk"]["assessed"] == 8
    assert len(one["dependency_risk"]["data"]) == 8


def test_csv_has_one_row_per_entry_of_each_section(api: Api) -> None:
    resp = api.get("/bottlenecks", level="story", format="csv", **WINDOW)
    assert resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert list(rows[0]) == BOTTLENECK_COLUMNS
    sections = [r["section"] for r in rows]
    body = api.get("/bottlenecks", level="story", **WINDOW).json()
    assert sections == (
        ["time_in_status"] * len(body["time_in_status"])
        + ["wip_trend"] * 3
        + ["flagged_share"] * len(body["blocked"]["by_team"])
        + ["stalled"] * len(body["stalled"])
        + ["dependency_risk"] * 8
    )
    red = next(r for r in rows if r["section"] == "wip_trend" and r["team"] == "Red")
    assert (red["rising"], red["first_half.from"]) == ("false", "2026-01-05")
    risk = next(r for r in rows if r["section"] == "dependency_risk")
    assert (risk["provider.key"], risk["consumer.key"], risk["plan_status"]) == (
        "RED-F1",
        "BLUE-F2",
        "on_track",
    )


def test_etag_and_errors(api: Api) -> None:
    first = api.get("/bottlenecks", **WINDOW)
    tag = first.headers["ETag"]
    assert api.get("/bottlenecks", headers={"If-None-Match": tag}, **WINDOW).status_code == 304
    bad = api.get("/bottlenecks", team="Purple")
    assert bad.status_code == 422 and bad.json()["errors"][0]["parameter"] == "team"
    empty = api.get("/bottlenecks", **{"from": "2026-02-09", "to": "2026-02-09"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["parameter"] == "from"
    assert api.client.get("/api/v1/arts/Phoenix/bottlenecks").status_code == 401
