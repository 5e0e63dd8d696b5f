"""RFC 9457 problem details: every error the API returns, never a stack trace."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api_models.base import publish_examples
from art.errors import BadRequest, TrainyardError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


INVALID = "Invalid request"  # the one title (and type) of every parameter or body mistake


class ParameterErrors(BadRequest):
    """A validation error naming several parameters at once; each entry of ``errors`` has
    ``parameter``, ``in`` and ``message``, as FastAPI's own validation errors are shown."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message, parameter=errors[0]["parameter"] if errors else None)
        self.errors = errors


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://trainyard.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _location(request: Request, parameter: str) -> str:
    """Where a parameter named by a BadRequest came from: the path, the query or the body."""
    if parameter in request.path_params:
        return "path"
    if parameter in request.query_params or request.method in ("GET", "HEAD", "DELETE"):
        return "query"
    return "body"


def _param_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "body"


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_ERRORS = {
    "401": "No valid bearer token",
    "403": "The token lacks the scope this operation needs",
    "404": "The resource named in the path does not exist",
    "422": "A parameter or the body is invalid (unknown, of the wrong type or naming nothing "
    "that exists); `errors` names it",
}


def _document_problems(doc: dict[str, Any]) -> dict[str, Any]:
    """Publish the errors each operation can answer, as the problem+json they are sent as.

    FastAPI documents only its own 422 (as application/json with another shape); the handlers
    below answer 401/403/404/422 (and a webhook's 400) as problem+json, and lists as CSV on
    ``format=csv``."""
    for operations in doc.get("paths", {}).values():
        for op in operations.values():
            responses: dict[str, Any] = op.setdefault("responses", {})
            params = op.get("parameters", [])
            codes = set()
            if params or "requestBody" in op:
                codes.add("422")
            if any(p.get("in") == "path" for p in params):
                codes.add("404")
            if op.get("security"):
                codes |= {"401", "403"}
            for code in sorted(codes):
                responses.setdefault(code, {"description": _ERRORS[code]})
            for code, response in responses.items():
                if code.startswith("4"):
                    response["content"] = {
                        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
            ok = responses.get("200")
            if ok is not None and any(p.get("name") == "format" for p in params):
                ok.setdefault("content", {}).setdefault("text/csv", {"schema": {"type": "string"}})
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return doc


def _allowed_methods(doc: dict[str, Any], path: str) -> list[str]:
    """Every method the document gives ``path``: Starlette names only the first route's, but
    a path's methods may be served by several routes (GET and POST of a collection)."""
    methods: set[str] = set()
    for template, operations in doc.get("paths", {}).items():
        parts = re.split(r"(\{[^}]+\})", template)
        pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        if re.fullmatch(pattern, path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Map every error to problem+json in one place (and say so in the OpenAPI document)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = publish_examples(_document_problems(build()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "parameter": _param_name(tuple(e["loc"])),
                "in": str(e["loc"][0]) if e["loc"] else "",
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
        return problem(422, INVALID, detail, errors)

    @app.exception_handler(BadRequest)
    async def _bad_request(request: Request, exc: BadRequest) -> JSONResponse:
        """A mistake naming a parameter is a validation error like FastAPI's (422); one that
        names none is a 400."""
        if isinstance(exc, ParameterErrors):
            return problem(422, INVALID, str(exc), exc.errors)
        if exc.parameter is None:
            return problem(exc.status_code, exc.title, str(exc))
        where = _location(request, exc.parameter)
        errors = [{"parameter": exc.parameter, "in": where, "message": str(exc)}]
        return problem(422, INVALID, str(exc), errors)

    @app.exception_handler(TrainyardError)
    async def _trainyard(_: Request, exc: TrainyardError) -> JSONResponse:
        if exc.status_code >= 500:
            log.error("%s: %s", type(exc).__name__, exc)
        return problem(exc.status_code, exc.title, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not read the body (not JSON, not UTF-8)
            detail = f"the body could not be read: {exc.detail}"
            body = [{"parameter": "body", "in": "body", "message": detail}]
            return problem(422, INVALID, detail, body)
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            allowed = _allowed_methods(app.openapi(), request.url.path)
            if allowed:
                headers = {**(headers or {}), "Allow": ", ".join(allowed)}
        title = {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not found",
            405: "Method not allowed",
        }.get(exc.status_code, "HTTP error")
        return problem(
            exc.status_code,
            title,
            str(exc.detail),
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "Internal error", "an unexpected error occurred; see the server log")
