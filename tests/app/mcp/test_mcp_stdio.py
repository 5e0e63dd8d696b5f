"""`trainyard mcp`: a desktop assistant starts it as a subprocess and talks over stdio; the
SDK's own stdio client does the same here, against a store holding the golden ART."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

from art.db import make_engine, session_factory, upgrade
from tests.app.api.conftest import SCENARIO
from tests.golden_store import store_art
from tests.metrics.golden_inputs import scenario_data

ROOT = Path(__file__).resolve().parents[3]


def _config(path: Path) -> Path:
    """The golden ART as trainyard.toml declares it (strings quoted as JSON, valid TOML)."""
    q = json.dumps
    teams = ", ".join(f"{{ name = {q(t)} }}" for t in SCENARIO.teams)
    pis = ", ".join(
        f"{{ name = {q(p.name)}, start = {q(str(p.start))}, end = {q(str(p.end))} }}"
        for p in SCENARIO.pis
    )
    statuses = ", ".join(f"{q(k)} = {q(v)}" for k, v in SCENARIO.statuses.items())
    path.write_text(
        "\n".join(
            [
                "[[arts]]",
                f"name = {q(SCENARIO.art)}",
                f"timezone = {q(SCENARIO.timezone)}",
                f"teams = [{teams}]",
                f"pis = [{pis}]",
                "",
                "[[sources]]",
                'name = "golden"',
                'kind = "jira"',
                'url = "http://tracker.invalid"',
                f"art = {q(SCENARIO.art)}",
                f"statuses = {{ {statuses} }}",
                "",
            ]
        )
    )
    return path


def test_trainyard_mcp_over_stdio(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        store_art(session, scenario_data(SCENARIO))
    engine.dispose()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRAINYARD_DATABASE_URL": url,
        "TRAINYARD_CONFIG": str(_config(tmp_path / "trainyard.toml")),
        "TRAINYARD_DATA_DIR": str(tmp_path / "data"),
    }
    command = StdioServerParameters(
        command=sys.executable,
        args=["-c", "from app.cli import main; main()", "mcp"],
        env=env,
        cwd=tmp_path,
    )

    async def main() -> None:
        async with Client(command) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            assert {"list_arts", "bottlenecks", "what_changed"} <= tools
            arts = await client.call_tool("list_arts", {})
            assert arts.structured_content is not None
            assert [a["name"] for a in arts.structured_content["arts"]] == ["Phoenix"]
            pi = await client.call_tool(
                "pi_overview", {"art": "Phoenix", "as_of": "2026-02-10T12:00:00Z"}
            )
            assert pi.structured_content is not None
            assert pi.structured_content["predictability"]["predictability_pct"] == 116.6667

    anyio.run(main)
