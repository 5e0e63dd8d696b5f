"""FastAPI dependencies as ``Annotated`` aliases, so tests override them, never patch globals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app import console_sessions
from app.console_sessions import COOKIE
from app.reports.service import ReportService
from app.settings import Settings
from app.state import AppState
from app.tokens import Checked, TokenRefused, check_token

_bearer = HTTPBearer(auto_error=False, description="A token from `trainyard token create`")


# The dependencies that only read an attribute are coroutines: FastAPI runs a plain
# function in its thread pool, a hop that cost more than the function on every request.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.trainyard
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Session]:
    """A session per request; committed when the handler returns without error."""
    with state.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def get_settings(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def _console_reader(request: Request, state: AppState) -> bool:
    """Whether a GET comes from a browser signed in to the console (its session cookie, still
    live, with its token still granting ``read``). Only reads take it: the cookie is
    SameSite=Strict, and no write or admin route accepts it, so a page elsewhere cannot act
    with it."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or request.method not in ("GET", "HEAD"):
        return False
    with state.lookups() as db:
        return console_sessions.check(db, session_id, datetime.now(UTC)) is not None


def require(scope: str) -> Callable[..., None]:
    """A dependency that demands a bearer token granting ``scope``; for ``read``, a console
    session's cookie serves as well (the JSON and CSV links of the console's pages)."""

    def check(
        request: Request,
        state: StateDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            if scope == "read" and _console_reader(request, state):
                return
            raise HTTPException(
                401,
                "a bearer token is required (Authorization: Bearer <token>)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        secret, now = credentials.credentials, datetime.now(UTC)

        def from_store() -> Checked:
            with state.lookups() as session:
                return check_token(session, secret, now)

        try:
            granted = state.grants.scopes(secret, now, from_store)
        except TokenRefused as refused:
            raise HTTPException(
                401, str(refused), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
        if scope not in granted:
            raise HTTPException(403, f"this token lacks the '{scope}' scope")

    return check


# Row ids are 32-bit on PostgreSQL (SERIAL): a larger one can name no row, and the databases
# drivers refuse it as a bound value (a 500, not "no such row"), so it is refused up front.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the row's id")]

ReadScope = Depends(require("read"))
WriteScope = Depends(require("write"))
AdminScope = Depends(require("admin"))


async def get_reports(state: StateDep) -> ReportService:
    return state.reports


ReportsDep = Annotated[ReportService, Depends(get_reports)]
