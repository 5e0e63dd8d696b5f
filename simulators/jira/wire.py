"""Jira's response conventions: JSON bodies and the ``errorMessages`` error shape."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response


class JiraHTTPError(Exception):
    """An error answered with Jira's body shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def jira_json(payload: Any, status: int = 200) -> Response:
    """JSON without FastAPI's encoder: the simulator must not be the benchmark's bottleneck."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type="application/json")


def error_body(status: int, message: str) -> bytes:
    return json.dumps({"errorMessages": [message], "errors": {}}).encode()


def encode_token(payload: Any) -> str:
    """An opaque page token, as Jira's are."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_token(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        raise JiraHTTPError(400, "The nextPageToken is invalid or has expired.") from None


def listed(value: Any) -> list[str] | None:
    """A ``fields``/``expand`` parameter as a list (comma string or array); None if absent."""
    if value is None:
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


async def request_args(request: Request) -> dict[str, Any]:
    """GET query parameters or a POST JSON body, one dict either way."""
    if request.method == "POST":
        body = await request.json()
        if not isinstance(body, dict):
            raise JiraHTTPError(400, "The request body must be a JSON object.")
        return body
    args: dict[str, Any] = dict(request.query_params)
    for multi in ("fields", "expand"):
        values = request.query_params.getlist(multi)
        if values:
            args[multi] = ",".join(values)
    return args


def wanted_fields(value: Any, default: set[str] | None) -> set[str] | None:
    """The ``fields`` parameter as a set of ids (None: all fields)."""
    names = listed(value)
    if names is None:
        return default
    if "*all" in names or "*navigable" in names:
        return None
    return {n for n in names if not n.startswith("-")}
