"""The app served for real (uvicorn on a free port) over a SQLite store holding the golden ART,
and the SDK's own MCP client connected to its ``/mcp`` endpoint over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.db import upgrade
from simulators.server import serve
from tests.app.api.conftest import SCENARIO, golden_config
from tests.golden_store import store_art
from tests.metrics.golden_inputs import scenario_data


@dataclass(frozen=True)
class Served:
    url: str  # the /mcp endpoint
    tokens: dict[str, str]  # scope -> secret

    @asynccontextmanager
    async def client(self, token: str | None, mode: str = "auto") -> AsyncIterator[Client]:
        """The SDK's client over streamable HTTP, sending ``token`` as the bearer; ``mode``
        "legacy" makes it open the session with the initialize handshake, as the assistants
        of 2025 do."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=60) as http,
            Client(streamable_http_client(self.url, http_client=http), mode=mode) as client,
        ):
            yield client


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    directory: Path = tmp_path_factory.mktemp("mcp")
    url = f"sqlite:///{directory / 'store.db'}"
    upgrade(url)
    settings = Settings(database_url=url, data_dir=directory / "data", scheduler=False)
    app = create_app(settings, golden_config(), with_worker=False)
    with serve(app) as base:
        state = app.state.trainyard
        with state.sessions() as session, session.begin():
            store_art(session, scenario_data(SCENARIO))
            tokens = {
                scope: create_token(session, f"mcp-{scope}", [scope]) for scope in ("read", "write")
            }
        yield Served(f"{base}/mcp", tokens)
