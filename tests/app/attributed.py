"""Statements told apart by the request that ran them.

The app under test runs its worker in the same process: its deliveries, event watcher and
inbox write on their own schedule, on the same engine. A test that listens for the
statements a request runs wraps the app in :class:`Attributed`, which names the request in
a context variable while it is served (copied into the worker threads that run sync
handlers and dependencies), and keeps only the statements run where :func:`serving` names
one.
"""

from __future__ import annotations

from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

_request: ContextVar[str | None] = ContextVar("request", default=None)


class Attributed:
    """The app, with the request it serves named in a context variable while it serves it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _request.set(f"{scope.get('method')} {scope.get('path')}")
        try:
            await self.app(scope, receive, send)
        finally:
            _request.reset(token)


def serving() -> str | None:
    """The request being served where this runs ("GET /path"), else None."""
    return _request.get()
