"""The Azure DevOps simulator: a FastAPI app serving a Scenario over the real REST surface.

One catch-all route dispatches on method and path (case-insensitive, as the service is), so
authentication, throttling, request counting and faults apply the same way to every resource.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, Request, Response

from simulators.azure_devops import meta, revisions, routes
from simulators.azure_devops.locations import options_body
from simulators.azure_devops.routes import Answer, Call
from simulators.azure_devops.world import AdoWorld
from simulators.faults import FaultMiddleware, Faults, RequestLog
from simulators.scenario import Scenario

Handler = Callable[[Call], Answer]
_SEG = r"(?P<{}>[^/]+)"
# method, path under /{org}/ (regex), route template (the RequestLog's name), handler
_ROUTES: list[tuple[str, str, str, Handler | None]] = [
    ("OPTIONS", r"_apis/?", "/{org}/_apis", None),
    (
        "POST",
        r"(?:{project}/(?:{team}/)?)?_apis/wit/wiql",
        "/{org}/{project}/_apis/wit/wiql",
        routes.wiql,
    ),
    (
        "POST",
        r"{project}/_apis/wit/workItemsBatch",
        "/{org}/{project}/_apis/wit/workItemsBatch",
        routes.work_items_batch,
    ),
    (
        "GET|POST",
        r"(?:{project}/)?_apis/wit/reporting/workItemRevisions",
        "/{org}/{project}/_apis/wit/reporting/workItemRevisions",
        revisions.reporting_revisions,
    ),
    (
        "GET",
        r"{project}/_apis/wit/workItems/(?P<id>\d+)/revisions",
        "/{org}/{project}/_apis/wit/workItems/{id}/revisions",
        revisions.item_revisions,
    ),
    (
        "GET",
        r"{project}/_apis/wit/classificationNodes/(?P<group>[^/]+)(?:/(?P<path>.+))?",
        "/{org}/{project}/_apis/wit/classificationNodes/{group}",
        routes.classification_nodes,
    ),
    (
        "GET",
        r"{project}/_apis/wit/workitemtypes/(?P<type>[^/]+)/states",
        "/{org}/{project}/_apis/wit/workitemtypes/{type}/states",
        routes.type_states,
    ),
    ("GET", r"(?:{project}/)?_apis/wit/fields", "/{org}/{project}/_apis/wit/fields", meta.fields),
    (
        "GET",
        r"_apis/wit/workItemRelationTypes",
        "/{org}/_apis/wit/workItemRelationTypes",
        meta.relation_types,
    ),
    ("GET", r"_apis/projects/{project}/teams", "/{org}/_apis/projects/{project}/teams", meta.teams),
    (
        "GET",
        r"{project}/{team}/_apis/work/teamsettings/teamfieldvalues",
        "/{org}/{project}/{team}/_apis/work/teamsettings/teamfieldvalues",
        meta.team_field_values,
    ),
    (
        "GET",
        r"{project}/{team}/_apis/work/teamsettings/iterations",
        "/{org}/{project}/{team}/_apis/work/teamsettings/iterations",
        meta.team_iterations,
    ),
]
_COMPILED = [
    (
        set(method.split("|")),
        re.compile(
            pattern.format(project=_SEG.format("project"), team=_SEG.format("team")) + "/?",
            re.IGNORECASE,
        ),
        template,
        handler,
    )
    for method, pattern, template, handler in _ROUTES
]
SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>"
    "<body>Sign in to your account</body></html>"
)


@dataclass(slots=True)
class Throttle:
    """Azure DevOps' "delayed" state: successful answers carrying Retry-After.

    The next ``delay`` successful answers (of ``endpoints`` only, when given) carry
    ``Retry-After`` and ``X-RateLimit-Delay``; 429 bursts come from the shared Faults.
    """

    delay: int = 0
    retry_after: float = 1.0
    endpoints: frozenset[str] | None = None

    def take(self, endpoint: str) -> bool:
        if self.delay > 0 and (self.endpoints is None or endpoint in self.endpoints):
            self.delay -= 1
            return True
        return False


@dataclass(frozen=True, slots=True)
class _Route:
    """What Starlette would put in ``scope["route"]``: the RequestLog counts by its path."""

    path: str


def _ado_error_body(status: int) -> bytes:
    """Injected refusals in the service's WrappedException shape."""
    message, key = {
        429: (
            "TF400733: The request has been canceled: Request was blocked due to exceeding "
            "usage of resource 'ATCPU' in namespace 'User'.",
            "RequestBlockedException",
        ),
        500: ("VS800075: Internal server error (injected).", "InternalServerErrorException"),
        503: ("TF400898: An Internal Error Occurred (injected).", "ServiceUnavailableException"),
    }[status]
    return json.dumps(
        {"$id": "1", "message": message, "typeKey": key, "errorCode": 0, "eventId": 3000}
    ).encode()


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status,
        media_type="application/json; charset=utf-8; api-version=7.1",
        headers=headers,
    )


def _authorized(request: Request, pat: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        _, _, password = base64.b64decode(value).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return password == pat


def _delay_headers(throttle: Throttle) -> dict[str, str]:
    return {
        "Retry-After": f"{throttle.retry_after:g}",
        "X-RateLimit-Resource": "ATCPU",
        "X-RateLimit-Delay": f"{throttle.retry_after:g}",
        "X-RateLimit-Limit": "200",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "1767225600",
    }


def create_ado_simulator(
    scenario: Scenario,
    org: str = "phoenix",
    project: str = "Phoenix",
    page_cap: int = 200,
    faults: Faults | None = None,
    pat: str = "simulator-pat",
    *,
    auth_failure: Literal["401", "203"] = "401",
    strict_wiql_cap: bool = False,
) -> FastAPI:
    """An app serving ``scenario`` as organization ``org``, project ``project``.

    ``page_cap`` caps the reporting revisions page whatever ``$maxPageSize`` asks (the shared
    ``faults.page_cap`` overrides it; ``faults.changelog_cap`` caps ``workItems/{id}/revisions``
    pages). Requests must carry Basic auth with ``pat`` as password, else 401 (or, with
    ``auth_failure="203"``, the HTML sign-in page with status 203, as the service answers some
    bad tokens). ``strict_wiql_cap``: WIQL refuses more than 20,000 matches even with ``$top``.

    ``app.state``: ``ado`` (the :class:`AdoWorld`: ids, mutations), ``faults``, ``requests``
    (the shared RequestLog, keyed by route template) and ``throttle`` (delayed 200s).
    """
    world = AdoWorld(scenario, org, project)
    faults = faults if faults is not None else Faults()
    log = RequestLog()
    throttle = Throttle()
    app = FastAPI(title=f"Azure DevOps simulator ({org})", openapi_url=None, docs_url=None)
    app.state.ado, app.state.faults, app.state.requests, app.state.throttle = (
        world,
        faults,
        log,
        throttle,
    )
    app.add_middleware(FaultMiddleware, faults=faults, log=log, error_body=_ado_error_body)
    prefix = f"/{org.lower()}/"

    @app.api_route("/{path:path}", methods=["GET", "POST", "OPTIONS"])
    async def dispatch(request: Request) -> Response:
        path = request.url.path
        found = None
        if path.lower().startswith(prefix):
            rest = path[len(prefix) :]
            found = next(
                (
                    (template, handler, m)
                    for methods, pattern, template, handler in _COMPILED
                    if request.method in methods and (m := pattern.fullmatch(rest))
                ),
                None,
            )
        if found is None:
            return _json(404, {"message": f"The resource {path} does not exist."})
        template, handler, match = found
        request.scope["route"] = _Route(template)
        if not _authorized(request, pat):
            if auth_failure == "203":
                return Response(SIGN_IN_PAGE, status_code=203, media_type="text/html")
            return Response(
                "Access Denied: The Personal Access Token used has expired.",
                status_code=401,
                media_type="text/plain",
                headers={"WWW-Authenticate": 'Basic realm="https://dev.azure.com/"'},
            )
        if handler is None:
            return _json(200, options_body())
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return _json(400, {"message": "VS402357: The request body is not valid JSON."})
        call = Call(
            world,
            f"{request.base_url}{org}",
            {k.lower(): v for k, v in request.query_params.items()},
            body,
            {k: v for k, v in match.groupdict().items() if v is not None},
            faults.page_cap or page_cap,
            faults,
            strict_wiql_cap,
        )
        status, answer = handler(call)
        headers = _delay_headers(throttle) if status == 200 and throttle.take(template) else None
        return _json(status, answer, headers)

    return app


def ado_world(app: FastAPI) -> AdoWorld:
    """The simulated organization behind ``app`` (ids, mutations)."""
    world: AdoWorld = app.state.ado
    return world
