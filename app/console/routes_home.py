"""Sign-in, sign-out, the list of ARTs and each ART's home page."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app import console_sessions
from app.console.pages import (
    ConsoleRoute,
    Ctx,
    User,
    data_links,
    page,
)
from app.console_sessions import COOKIE, now_utc
from app.deps import StateDep
from app.reports.bodies_flow import aging_body
from app.reports.bodies_pi import dependencies_body, predictability_body, program_board_body
from app.reports.context import ReportContext
from app.tokens import TokenRefused
from art import sync_queries

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
MAX_FORM_BYTES = 4096  # a token and a path: anything longer is not a sign-in


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/") -> Response:
    """The sign-in page: one field, the API token."""
    return page(request, "sign_in.html", {"next": safe_next(next), "error": None})


@router.post("/sign-in")
async def sign_in(request: Request, state: StateDep) -> Response:
    """Check the token (read scope at least), start a session and go back where asked; the
    session cookie is HttpOnly, SameSite=Strict, and Secure over HTTPS."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.url.netloc:
        # another site posting a token here would sign this browser in as someone else
        values = {"next": "/", "error": "sign in from this site's own sign-in page"}
        return page(request, "sign_in.html", values, status_code=403)
    raw = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(raw).items()}
    target = safe_next(form.get("next"))
    secret = form.get("token", "").strip()
    now = now_utc()
    try:
        if not secret:
            raise TokenRefused("enter an API token (from `trainyard token create`)")
        with state.sessions() as db, db.begin():
            session_id, signed = console_sessions.sign_in(db, secret, now)
    except TokenRefused as refused:
        message = str(refused).replace("the bearer token", "this token")
        values = {"next": target, "error": message}
        return page(request, "sign_in.html", values, status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int((signed.ends_at - now).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/sign-out")
def sign_out(request: Request, state: StateDep) -> Response:
    """End the session here and in the browser."""
    with state.sessions() as db, db.begin():
        console_sessions.sign_out(db, request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/")
def index(request: Request, state: StateDep, user: User) -> Response:
    """The ARTs: straight to the only one, else a list."""
    arts = [a.name for a in state.config.arts]
    if len(arts) == 1:
        return RedirectResponse(f"/arts/{arts[0]}", status_code=303)
    return page(request, "index.html", {"arts": arts, "user": user})


def sync_health(state: StateDep, ctx: ReportContext) -> list[dict[str, Any]]:
    """The ART's sources: last run, last success and its age, and the last run's error."""
    art_id = ctx.known[0] if ctx.known else None
    with state.sessions() as db:
        found = sync_queries.sources(db)
    now = now_utc()
    rows = []
    for src, last, ok, _mark in found:
        if src.art_id not in (None, art_id):
            continue
        success: datetime | None = ok.finished_at if ok else None
        rows.append(
            {
                "name": src.name,
                "kind": src.kind,
                "last_status": last.status if last else "never run",
                "last_success": success,
                "lag_minutes": round((now - success).total_seconds() / 60) if success else None,
                "error": last.error if last and last.status != "succeeded" else None,
            }
        )
    return rows


@router.get("/arts/{art}")
def art_home(request: Request, ctx: Ctx, state: StateDep, user: User) -> Response:
    """The ART at a glance: the current PI and iteration, predictability so far and, while
    the PI runs, where its outlook says it lands, dependencies by status (the red ones
    listed), aging and blocked items, and each source's sync health."""
    pi = ctx.current_pi()
    values: dict[str, Any] = {"ctx": ctx, "user": user, "pi": pi, "sources": []}
    if pi is not None:
        board = program_board_body(ctx, pi)
        today = ctx.today.isoformat()
        values["iteration"] = next(
            (i for i in board["iterations"] if i["start"] <= today <= i["end"]), None
        )
        values["predictability"] = predictability_body(ctx, pi)
        values["dependencies"] = dependencies_body(ctx, pi)
        values["links"] = data_links(f"/pis/{pi}/predictability", ctx)
        values["outlook_links"] = data_links(f"/pis/{pi}/outlook", ctx)
        values["dependency_links"] = data_links(f"/pis/{pi}/dependencies", ctx)
    aging = aging_body(ctx, None, None, 90, "days")
    facts = ctx.data.by_key
    values["aging"] = [r for r in aging["data"] if r.get("over_p85")]
    values["blocked"] = [r for r in aging["data"] if r["key"] in facts and facts[r["key"]].flagged]
    values["aging_links"] = data_links("/aging", ctx)
    values["sources"] = sync_health(state, ctx)
    values["pis"] = [p.name for p in sorted(ctx.data.pis, key=lambda p: p.start)]
    return page(request, "art.html", values)
