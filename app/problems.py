"""RFC 9457 problem details: every error the API returns, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from art.errors import BadRequest, TrainyardError

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


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


def _param_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Map every error to problem+json in one place."""

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
        return problem(422, "Invalid request", detail, errors)

    @app.exception_handler(BadRequest)
    async def _bad_request(_: Request, exc: BadRequest) -> JSONResponse:
        errors = [{"parameter": exc.parameter, "message": str(exc)}] if exc.parameter else None
        return problem(exc.status_code, exc.title, str(exc), errors)

    @app.exception_handler(TrainyardError)
    async def _trainyard(_: Request, exc: TrainyardError) -> JSONResponse:
        if exc.status_code >= 500:
            log.error("%s: %s", type(exc).__name__, exc)
        return problem(exc.status_code, exc.title, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
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
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem(500, "Internal error", "an unexpected error occurred; see the server log")
