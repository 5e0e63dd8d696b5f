"""Trainyard's MCP server driven with the SDK's own client over real HTTP (uvicorn), on the
golden ART: the tools, every tool's answer against the report bodies' figures, and the
bearer-token gate (no token or a bad one: no session)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from tests.app.mcp.conftest import Served

AS_OF = "2026-02-10T12:00:00+00:00"
TOOLS = {
    "list_arts",
    "pi_overview",
    "dependencies",
    "aging_work",
    "bottlenecks",
    "forecast",
    "what_changed",
    "item",
    "data_quality",
}


async def call(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    text = result.content[0]
    assert json.loads(getattr(text, "text")) == result.structured_content  # noqa: B009
    return result.structured_content


def run(served: Served, check: Any, token: str | None = "read") -> None:
    async def main() -> None:
        async with served.client(served.tokens.get(token or "", token)) as client:
            await check(client)

    anyio.run(main)


def test_the_tools_are_listed_with_their_meaning(served: Served) -> None:
    async def check(client: Client) -> None:
        listed = (await client.list_tools()).tools
        assert {t.name for t in listed} == TOOLS
        for tool in listed:
            assert tool.description and tool.annotations and tool.annotations.read_only_hint
            if tool.name == "pi_overview":
                for words in ("10,000 trials", "projected_pct (the median trial)", "85%"):
                    assert words in tool.description
            if tool.name != "list_arts":
                assert "ask which one" in tool.description, tool.name
                assert "art" in tool.input_schema["required"], tool.name

    run(served, check)


def test_a_handshake_era_client_gets_a_session(served: Served) -> None:
    async def main() -> None:
        async with served.client(served.tokens["read"], mode="legacy") as client:
            assert {t.name for t in (await client.list_tools()).tools} == TOOLS
            body = await call(client, "pi_overview", art="Phoenix", as_of=AS_OF)
            assert body["predictability"]["predictability_pct"] == 116.6667

    anyio.run(main)


def test_list_arts_and_pi_overview(served: Served) -> None:
    async def check(client: Client) -> None:
        arts = await call(client, "list_arts")
        (phoenix,) = arts["arts"]
        assert phoenix["name"] == "Phoenix" and phoenix["teams"] == ["Blue", "Red", "Green"]
        assert [p["name"] for p in phoenix["pis"]] == ["PI 25.4", "PI 26.1"]
        pi = await call(client, "pi_overview", art="Phoenix", as_of=AS_OF)
        assert (pi["pi"], pi["as_of"], pi["state"]) == ("PI 26.1", AS_OF, "in_progress")
        assert pi["predictability"]["predictability_pct"] == 116.6667  # actual 7 / planned 6
        assert [t["predictability_pct"] for t in pi["teams"]] == [83.3333, None, None]
        # the outlook (tests/metrics/test_golden.py): no objective is linked to work, so every
        # trial keeps the scored BV: ART 7 / 6, Blue 5 / 6, Red and Green nothing planned
        outlook = ("projected_pct", "projected_pct_85", "chance_in_band_pct", "unprojectable")
        assert [pi["predictability"][k] for k in outlook] == [116.6667, 116.6667, 100.0, 4]
        assert [[t[k] for k in outlook] for t in pi["teams"]] == [
            [83.3333, 83.3333, 100.0, 1],
            [None, None, None, 2],
            [None, None, None, 1],
        ]
        # committed and unscored, nothing linked so no chance: Blue 9 (planned 9), then
        # Red 11 and Green 13 (planned 8 each, by id)
        at_risk = [
            (o["id"], o["planned_bv"], o["chance_complete_pct"], o["why"])
            for o in pi["objectives_at_risk"]
        ]
        why = "it cannot be projected: no work is linked to it"
        assert at_risk == [(9, 9, None, why), (11, 8, None, why), (13, 8, None, why)]
        assert pi["definition"]["objectives_at_risk"].startswith(
            "committed objectives not scored yet whose chance_complete_pct is below 50"
        )
        assert "10,000 trials" in pi["definition"]["outlook"]
        old = await call(client, "pi_overview", art="Phoenix", pi="PI 25.4", as_of=AS_OF)
        assert (old["state"], old["objectives_at_risk"]) == ("finished", [])

    run(served, check)


def test_dependencies_with_reasons_and_links(served: Served) -> None:
    async def check(client: Client) -> None:
        body = await call(
            client, "dependencies", art="Phoenix", status="late", team="Red", as_of=AS_OF
        )
        (late,) = body["dependencies"]["data"]
        assert (late["provider"]["key"], late["consumer"]["key"]) == ("GREEN-F1", "RED-F2")
        assert late["reason"] == (
            "GREEN-F1 (Green) was planned to finish with I2 on 2026-02-01 and is not done"
        )
        assert late["provider"]["url"] == "http://tracker.invalid/browse/GREEN-F1"
        assert body["definition"]["needed_by"].startswith("start of the consumer's iteration")

    run(served, check)


def test_aging_work_and_bottlenecks(served: Served) -> None:
    async def check(client: Client) -> None:
        aging = await call(client, "aging_work", art="Phoenix", as_of=AS_OF)
        assert [r["key"] for r in aging["over_p85"]["data"]] == ["GREEN-F1"]
        assert aging["reference"]["p85"] == 13.375
        assert [(s["key"], s["days_in_status"]) for s in aging["stalled"]["data"]] == [
            ("GREEN-F1", 22.125),
            ("RED-F1", 8.125),
        ]
        assert aging["blocked"] == {"total": 0, "shown": 0, "data": []}
        stuck = await call(
            client,
            "bottlenecks",
            art="Phoenix",
            level="story",
            from_date="2026-01-26",
            to_date="2026-02-09",
            as_of=AS_OF,
        )
        assert [(t["team"], t["rising"]) for t in stuck["wip_trend"]] == [
            ("Blue", False),
            ("Red", True),
            ("Green", False),
        ]
        assert stuck["dependency_risk"]["assessed"] == 8
        blue = await call(
            client, "bottlenecks", art="Phoenix", level="story", team="Blue", as_of=AS_OF,
            from_date="2026-01-05", to_date="2026-02-09",
        )  # fmt: skip
        assert [(r["status"], r["item_days"]) for r in blue["time_in_status"]][:2] == [
            ("In Progress", 44.75),
            ("To Do", 9.0),
        ]

    run(served, check)


def test_forecast_what_changed_item_and_data_quality(served: Served) -> None:
    async def check(client: Client) -> None:
        when = await call(client, "forecast", art="Phoenix", items=3, team="Blue", as_of=AS_OF)
        again = await call(client, "forecast", art="Phoenix", items=3, team="Blue", as_of=AS_OF)
        assert when == again and when["items"] == 3 and when["sample_days"] == 90
        assert sum(when["throughput_sample"]) == 5  # Blue's stories done in the 90 days
        by_end = await call(client, "forecast", art="Phoenix", as_of=AS_OF)
        assert by_end["pi"] == "PI 26.1" and by_end["date"] == "2026-03-15"
        changed = await call(
            client, "what_changed", art="Phoenix", since="2026-02-01T00:00:00Z", as_of=AS_OF
        )
        assert changed["status_changes"]["total"] == 9
        assert [(c["key"], c["to"]) for c in changed["status_changes"]["data"]][:2] == [
            ("BLUE-F1", "Done"),
            ("RED-F1", "In Progress"),
        ]
        (red,) = changed["dependencies_turned_red"]
        assert (red["provider"]["key"], red["status_before"], red["status"]) == (
            "GREEN-F1",
            "on_track",
            "late",
        )
        assert [s["key"] for s in changed["scope_added"]] == ["GREEN-4", "RED-5"]
        assert changed["scope_removed"] == []
        # the store's writer stamps the PI's objectives 2026-02-10 00:00: after since
        assert sorted(o["id"] for o in changed["objectives_changed"]) == [9, 10, 11, 12, 13, 14]
        assert {o["updated_at"] for o in changed["objectives_changed"]} == {
            "2026-02-10T00:00:00+00:00"
        }
        later = await call(
            client, "what_changed", art="Phoenix", since="2026-02-10T06:00:00Z", as_of=AS_OF
        )
        assert later["objectives_changed"] == [] and later["status_changes"]["total"] == 0
        item = await call(client, "item", art="Phoenix", key="BLUE-4", as_of=AS_OF)
        assert (item["status"], item["flow_days"], item["url"]) == (
            "Done",
            14.25,  # 01-20 09:00 to 02-03 15:00
            "http://tracker.invalid/browse/BLUE-4",
        )
        assert [h["to"] for h in item["history"] if h["field"] == "status"] == [
            "In Progress", "Done", "In Progress", "Done"
        ]  # fmt: skip
        quality = await call(client, "data_quality", art="Phoenix", as_of=AS_OF)
        assert quality["summary"]["backward_move"] == 2
        assert quality["data"]["total"] == 15
        moved = next(f for f in quality["data"]["data"] if f["subject"] == "BLUE-4")
        assert moved["url"] == "http://tracker.invalid/browse/BLUE-4"
        for body in (when, changed, item, quality):
            assert body["as_of"] == AS_OF and body["definition"]

    run(served, check)


def test_errors_name_what_is_wrong(served: Served) -> None:
    async def check(client: Client) -> None:
        unknown = await client.call_tool("pi_overview", {"art": "Nope"})
        assert unknown.is_error and "Nope" in unknown.content[0].text  # type: ignore[union-attr]
        team = await client.call_tool("aging_work", {"art": "Phoenix", "team": "Purple"})
        assert team.is_error and "no team named 'Purple'" in team.content[0].text  # type: ignore[union-attr]

    run(served, check)


@pytest.mark.parametrize("token", [None, "ty_not-a-token"])
def test_no_token_no_session(served: Served, token: str | None) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    resp = httpx.post(served.url, json=initialize, headers=headers)
    assert resp.status_code == 401
    assert "mcp-session-id" not in resp.headers
    assert resp.headers["www-authenticate"].startswith("Bearer")

    opened: list[Client] = []

    async def never(client: Client) -> None:
        opened.append(client)

    with pytest.raises(BaseException):  # the SDK's client cannot connect  # noqa: B017
        run(served, never, token=token)
    assert opened == []
