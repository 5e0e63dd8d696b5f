"""The Jira simulator's FastAPI app: the REST surface the connector uses, in both flavours.

Cloud serves ``/search/jql`` (nextPageToken cursor, no total, fields default to ``id``,
bounded JQL only) and ``/changelog/bulkfetch``; the old ``/search`` answers 410 as on Cloud.
Data Center serves ``/rest/api/2/search`` (startAt/maxResults/total, live offsets, embedded
changelog truncated like Jira's) and no ``/search/jql``. Both serve issues, per-issue
changelog pages, fields, statuses, link types and the agile boards and sprints. Cloud
authenticates ``Basic email:token``, Data Center ``Bearer PAT`` (or Basic when users are given
as a mapping); anything else is 401.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import Response

from simulators.faults import FaultMiddleware, Faults
from simulators.jira.agile import agile_routes
from simulators.jira.catalog import CLOUD, DATACENTER
from simulators.jira.search import search_routes
from simulators.jira.state import JiraState
from simulators.jira.wire import JiraHTTPError, error_body, jira_json
from simulators.scenario import Scenario


def create_jira_simulator(
    scenario: Scenario,
    flavour: str = CLOUD,
    page_cap: int = 100,
    faults: Faults | None = None,
    users: dict[str, str] | str | None = None,
    *,
    team_managed: set[str] | frozenset[str] = frozenset(),
    time_zone: str = "UTC",
    clock: Callable[[], datetime] | None = None,
    base_url: str = "https://jira.simulator.example",
) -> FastAPI:
    """Build a simulator app serving ``scenario``; ``app.state.sim`` is its JiraState.

    ``users``: a mapping ``email -> API token`` (HTTP Basic) or one personal access token
    (Bearer); defaults to ``{"rte@example.com": "cloud-token"}`` on Cloud and ``"dc-pat"``
    on Data Center. ``team_managed`` names Cloud projects served as team-managed (Story point
    estimate instead of Story Points). ``time_zone`` is the API user's zone (JQL dates and
    rendered timestamps). ``clock`` replaces "now" (sprint states, mutations).
    """
    if flavour not in (CLOUD, DATACENTER):
        raise ValueError(f"flavour must be '{CLOUD}' or '{DATACENTER}', not {flavour!r}")
    faults = faults or Faults()
    state = JiraState(
        scenario, flavour, page_cap, faults, set(team_managed), time_zone, clock, base_url
    )
    if users is None:
        users = {"rte@example.com": "cloud-token"} if flavour == CLOUD else "dc-pat"
    allowed = _credentials(users)

    def authenticate(request: Request) -> None:
        if request.headers.get("authorization", "") not in allowed:
            raise JiraHTTPError(401, "Client must be authenticated to access this resource.")

    app = FastAPI(
        title=f"Jira simulator ({flavour})", openapi_url=None, docs_url=None, redoc_url=None
    )
    app.state.sim = state

    @app.exception_handler(JiraHTTPError)
    async def _jira_error(_: Request, exc: JiraHTTPError) -> Response:
        return Response(
            error_body(exc.status, exc.message),
            status_code=exc.status,
            media_type="application/json",
        )

    @app.get("/rest/api/{version}/serverInfo")
    async def server_info(request: Request) -> Response:
        """Anonymous, as on Jira, unless wrong credentials are sent."""
        header = request.headers.get("authorization")
        if header is not None and header not in allowed:
            raise JiraHTTPError(401, "Client must be authenticated to access this resource.")
        cloud = state.catalog.cloud
        version = [1001, 0, 0] if cloud else [9, 12, 2]
        return jira_json(
            {
                "baseUrl": base_url,
                "version": ".".join(map(str, version)),
                "versionNumbers": version,
                "deploymentType": "Cloud" if cloud else "Server",
                "buildNumber": 100283 if cloud else 9120002,
                "buildDate": "2026-01-01T00:00:00.000+0000",
                "serverTime": state.now().strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "scmInfo": "simulated",
                "serverTitle": "Jira",
            }
        )

    guarded = APIRouter(dependencies=[Depends(authenticate)])
    search_routes(guarded, state)
    agile_routes(guarded, state)
    app.include_router(guarded)
    app.add_middleware(
        FaultMiddleware,
        faults=faults,
        log=state.log,
        error_body=lambda status: error_body(
            status,
            {
                429: "Rate limit exceeded.",
                500: "Internal server error.",
                503: "Service unavailable.",
            }[status],
        ),
    )
    return app


def sim_of(app: FastAPI) -> JiraState:
    """The state behind a simulator app: mutate it, read ``.log``, flip ``.faults``."""
    state: JiraState = app.state.sim
    return state


def _credentials(users: dict[str, str] | str) -> set[str]:
    if isinstance(users, str):
        return {f"Bearer {users}"}
    return {
        "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
        for user, secret in users.items()
    }
