"""The MCP server: Trainyard's tools over streamable HTTP (in the web app, at ``/mcp``) and
over stdio (``trainyard mcp``), with the official SDK.

Over HTTP the SDK's session manager runs inside the web app's lifespan and every request
passes the bearer-token gate first (auth.py). Over stdio the assistant starts Trainyard as its
own subprocess on the user's machine, with the user's configuration and database: the
operating system is the boundary there, as for every other ``trainyard`` command.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from mcp.server.mcpserver import MCPServer
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp

from app.mcp.auth import BearerGate
from app.mcp.tools import DESCRIPTIONS, Tools
from app.state import AppState

NAME = "trainyard"
INSTRUCTIONS = (
    "Trainyard answers a SAFe Release Train Engineer's questions about one or more Agile "
    "Release Trains (ARTs), from Jira and Azure DevOps history: PI predictability, cross-team "
    "dependencies, flow, bottlenecks and forecasts. Every figure is computed by Trainyard with "
    "the definition it returns; quote figures as given, with their as_of, and do not "
    "recompute them. When the user has not said which ART or PI, call list_arts and ask."
)
READ_ONLY = ToolAnnotations(readOnlyHint=True, destructiveHint=False, idempotentHint=True)


def build_server(state: Callable[[], AppState]) -> MCPServer:
    """The server with every tool, reading the app state ``state`` returns."""
    server: MCPServer = MCPServer(NAME, instructions=INSTRUCTIONS, version="1.0.0")
    tools = Tools(state)
    for name, description in DESCRIPTIONS.items():
        server.add_tool(
            getattr(tools, name), name=name, description=description, annotations=READ_ONLY
        )
    return server


class McpHttp:
    """The streamable HTTP endpoint: the SDK's session manager behind the token gate."""

    def __init__(self, state: Callable[[], AppState]) -> None:
        server = build_server(state)
        # The gate authenticates every request; the SDK's DNS-rebinding check (for servers
        # without authentication on localhost) would refuse the deployment's own host name.
        server.streamable_http_app(
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False)
        )
        self.manager: StreamableHTTPSessionManager = server.session_manager

        def sessions() -> sessionmaker[Session]:
            return state().sessions

        self.app: ASGIApp = BearerGate(StreamableHTTPASGIApp(self.manager), sessions)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The session manager's task group, for the web app's lifespan."""
        async with self.manager.run():
            yield


def run_stdio(state: AppState) -> None:
    """Serve the tools on stdin/stdout until the assistant closes them."""
    build_server(lambda: state).run("stdio")
