"""No token, no session: the ``/mcp`` endpoint asks for the API's bearer tokens (read scope).

The check runs before the SDK's session manager sees the request, so a request without a valid
token never opens (or reaches) an MCP session; it gets the API's 401 problem answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from app.tokens import TokenRefused, authenticate

SCOPE = "read"
TITLES = {401: "Unauthorized", 403: "Forbidden"}


def refusal(secret: str | None, sessions: sessionmaker[Session]) -> tuple[int, str] | None:
    """None when ``secret`` is a live token granting read; else (status, why)."""
    if not secret:
        return 401, "a bearer token is required (Authorization: Bearer <token>)"
    try:
        with sessions() as session, session.begin():
            granted = authenticate(session, secret, datetime.now(UTC))
    except TokenRefused as refused:
        return 401, str(refused)
    if SCOPE not in granted:
        return 403, f"this token lacks the '{SCOPE}' scope"
    return None


def bearer_secret(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, secret = value.decode("latin-1").partition(" ")
            return secret.strip() if kind.lower() == "bearer" else None
    return None


class BearerGate:
    """An ASGI wrapper that lets through only requests carrying a read-scoped token."""

    def __init__(self, app: ASGIApp, sessions: Callable[[], sessionmaker[Session]]) -> None:
        self.app = app
        self.sessions = sessions  # the app's, known once its lifespan has started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secret, sessions = bearer_secret(scope), self.sessions()
        refused = await anyio.to_thread.run_sync(refusal, secret, sessions)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, detail = refused
        body = json.dumps(
            {"type": "about:blank", "title": TITLES[status], "status": status, "detail": detail}
        ).encode()
        challenge = b'Bearer error="invalid_token"' if secret else b"Bearer"
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"www-authenticate", challenge),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
