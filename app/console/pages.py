"""What every console page shares: the signed-in check, the report context, the templates,
and an HTML page saying why when a page cannot be shown (unknown ART, PI, team or item).

Pages are read-only views of report bodies (app.reports.bodies_*): the console formats what
the report service computed and computes no figure of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from app import console_sessions
from app.console_sessions import COOKIE, Signed, now_utc
from app.deps import StateDep
from app.reports.context import ReportContext
from app.reports.params import AsOfQuery, report_context
from art.errors import TrainyardError

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_URL = "/console-static"
API = "/api/v1"
# Pages load only this site's stylesheet and script; inline styles stay allowed for the
# charts' SVG (matplotlib writes style attributes). No framing: a page cannot be overlaid.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show data: never from a shared cache
}


class SignInRequired(Exception):
    """The request has no live console session; it is sent to sign-in, then back."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


def signed_in(request: Request, state: StateDep) -> Signed:
    """The request's session; SignInRequired (a 303 to /sign-in) when it has none."""
    session_id = request.cookies.get(COOKIE)
    signed = None
    if session_id:
        with state.sessions() as db:
            signed = console_sessions.check(db, session_id, now_utc())
    if signed is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return signed


User = Annotated[Signed, Depends(signed_in)]


def console_context(
    art: str, request: Request, state: StateDep, user: User, as_of: AsOfQuery = None
) -> ReportContext:
    """The API's report context for the page's ART (the same parsing, cache and checks),
    once the session is checked, so no figure is read before sign-in."""
    return report_context(art, state.reports, as_of)


Ctx = Annotated[ReportContext, Depends(console_context)]


def sign_in_url(target: str) -> str:
    return "/sign-in?" + urlencode({"next": target})


class ConsoleRoute(APIRoute):
    """A console route: no session sends the browser to sign-in (303); an unknown ART, PI or
    team, or a bad value, is an HTML page saying so with the API's status code. A value of
    the wrong type (422) or a NUL character answers problem+json as everywhere in the app:
    the console's own forms never send one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as needed:
                return RedirectResponse(sign_in_url(needed.target), status_code=303)
            except TrainyardError as error:
                return page(
                    request, "error.html", {"message": str(error)}, status_code=error.status_code
                )

        return answer


def api_url(path: str, ctx: ReportContext | None = None, **params: Any) -> str:
    """The API URL of the same data (``path`` under /api/v1/arts/{art}), with the page's
    as_of when it was given, so the JSON and CSV links show what the page shows."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if ctx is not None and not ctx.cache_as_of:  # an as_of given to the page
        query["as_of"] = ctx.as_of.isoformat()
    path = quote(path, safe="/")
    base = f"{API}{path}" if ctx is None else f"{API}/arts/{quote(ctx.art, safe='')}{path}"
    return base + ("?" + urlencode(query) if query else "")


def data_links(path: str, ctx: ReportContext, **params: Any) -> dict[str, str]:
    """The JSON and CSV links of a page's data."""
    return {
        "json": api_url(path, ctx, **params),
        "csv": api_url(path, ctx, **params, format="csv"),
    }


def page(
    request: Request, template: str, values: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """A page from ``template`` with what every page shows (the ART, the as-of time)."""
    response = TEMPLATES.TemplateResponse(
        request, template, {"static": STATIC_URL, **values}, status_code=status_code
    )
    response.headers.update(SECURITY_HEADERS)
    return response
