"""A smoke run of every MCP tool on the demo ART (Orion, pulled for real from the tracker
simulators), served by uvicorn and driven with the SDK's client over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from app.demo import start_demo
from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.db import upgrade
from simulators.server import serve
from sync.runner import PullRunner
from tests.app.mcp.conftest import Served

TODAY = date(2026, 12, 2)  # as tests/app/test_demo.py pins it
AS_OF = datetime(2026, 12, 2, tzinfo=UTC).isoformat()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory: Path = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{directory / 'store.db'}"
    upgrade(url)
    settings = Settings(database_url=url, data_dir=directory / "data", scheduler=False)
    trackers = start_demo(settings.demo_items, today=TODAY)
    try:
        app = create_app(settings, trackers.config, with_worker=False)
        with serve(app) as base:
            state = app.state.trainyard
            for source in trackers.config.sources:
                PullRunner(state.sessions, trackers.config, source).run()
            with state.sessions() as session, session.begin():
                token = create_token(session, "mcp-demo", ["read"])
            yield Served(f"{base}/mcp", {"read": token})
    finally:
        trackers.stop()


def test_every_tool_answers_on_the_demo(demo: Served) -> None:
    async def main() -> None:
        async with demo.client(demo.tokens["read"]) as client:
            answers: dict[str, dict[str, Any]] = {}

            async def call(name: str, **arguments: Any) -> dict[str, Any]:
                result = await client.call_tool(name, {"art": "Orion", "as_of": AS_OF, **arguments})
                assert not result.is_error, (name, result.content)
                assert result.structured_content is not None
                answers[name] = result.structured_content
                return result.structured_content

            arts = await client.call_tool("list_arts", {})
            assert arts.structured_content is not None
            assert [a["name"] for a in arts.structured_content["arts"]] == ["Orion"]
            overview = await call("pi_overview")
            await call("dependencies", pi=overview["pi"])
            aging = await call("aging_work", level="story")
            await call("bottlenecks")
            await call("forecast", items=10)
            await call("what_changed", since="2026-11-25T00:00:00Z")
            await call("data_quality")
            key = aging["over_p85"]["data"][0]["key"]
            item = await call("item", key=key)
            assert item["url"] and item["display_key"]
            for name, body in answers.items():
                assert body["as_of"] == AS_OF and body["definition"], name

    anyio.run(main)
