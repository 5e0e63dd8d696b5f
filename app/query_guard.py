"""Two rules every request meets before any work, checked once for the whole app.

- An /api/v1 endpoint refuses a query parameter it does not declare (422 naming it): a typo
  such as ``?keys=`` for ``?key=`` would otherwise be ignored and the list answered unfiltered.
- No path parameter, declared query parameter or JSON body string may carry a NUL character
  (422 naming it): PostgreSQL text cannot hold one, so it would fail deep inside a query as a
  500 (SQLite would just match nothing), and no name, key or text in Trainyard contains one.

What a route declares is read from its dependency tree (the one FastAPI validates and
publishes in the OpenAPI document), so a new route is checked without being listed anywhere.
The check is an app-wide dependency, so it runs before the route's own (authentication
included): a malformed request is refused before its token is looked up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from app.problems import ParameterErrors

API_PREFIX = "/api/v1/"
NUL = "\x00"
NUL_MESSAGE = "contains a NUL character (\\u0000), which no name, key or text can hold"


def declared_query(dependant: Dependant) -> set[str]:
    """The query parameter names a route declares, its dependencies' included."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= declared_query(sub)
    return names


def unknown_parameters(request: Request, route: APIRoute, known: set[str]) -> None:
    """ParameterErrors (422) naming every query parameter not in ``known`` (the route's)."""
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    if not unknown:
        return
    takes = f"it takes {', '.join(sorted(known))}" if known else "it takes no query parameters"
    where = f"{request.method} {route.path}"
    raise ParameterErrors(
        f"unknown query parameter{'s' if len(unknown) > 1 else ''} "
        f"{', '.join(repr(n) for n in unknown)} for {where}; {takes}",
        [
            {"parameter": name, "in": "query", "message": f"not a parameter of {where}; {takes}"}
            for name in unknown
        ],
    )


def _nul_strings(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Where in a parsed JSON value a string (or an object's key) holds NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield loc
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_strings(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield (*loc, key)
            else:
                yield from _nul_strings(item, (*loc, key))


async def _json_body(request: Request, route: APIRoute) -> Any:
    """The JSON body FastAPI parsed for the route (read from the request's cache), else None."""
    if route.body_field is None or not await request.body():
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (content_type == "application/json" or content_type.endswith("+json")):
        return None
    return await request.json()


async def nul_characters(request: Request, route: APIRoute, known: set[str]) -> None:
    """RequestValidationError (422) naming every path parameter, query parameter in ``known``
    (the route's) and body field that holds NUL."""
    places: list[tuple[str | int, ...]] = [
        ("path", name) for name, value in request.path_params.items() if NUL in str(value)
    ]
    places += [
        ("query", name)
        for name in dict.fromkeys(request.query_params)
        if name in known and any(NUL in v for v in request.query_params.getlist(name))
    ]
    places += list(_nul_strings(await _json_body(request, route), ("body",)))
    if places:
        errors = [{"type": "string_nul", "loc": loc, "msg": NUL_MESSAGE} for loc in places]
        raise RequestValidationError(errors)


async def check_request(request: Request) -> None:
    """The app-wide dependency: unknown query parameters (on /api/v1), then NUL characters."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = declared_query(route.dependant)
    if route.path.startswith(API_PREFIX):
        unknown_parameters(request, route, known)
    await nul_characters(request, route, known)
