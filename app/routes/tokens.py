"""API tokens (admin): list, create (the secret is in that answer only), revoke."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app import tokens
from app.api_models.admin import TokenList
from app.deps import AdminScope, RowId, SessionDep, StateDep
from app.render import list_response
from app.reports.params import FormatQuery
from art.errors import NotFound
from art.models import ApiToken

router = APIRouter(prefix="/api/v1", tags=["tokens (admin)"], dependencies=[AdminScope])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=tokens.NAME_MAX,
            description="who or what the token is for, e.g. powerbi",
        ),
    ]
    scopes: Annotated[
        list[Annotated[str, Field(max_length=20)]],
        Field(min_length=1, max_length=3, description=f"any of {', '.join(tokens.SCOPES)}"),
    ]
    expires_in: Annotated[
        str | None, Field(max_length=20, description="valid for this long: 90d, 12h or 2w")
    ] = None
    expires_at: Annotated[
        str | None,
        Field(
            max_length=40,
            description="valid until this ISO 8601 date or timestamp (UTC unless it has an "
            "offset); with neither, the token never expires",
        ),
    ] = None


@router.get("/tokens", response_model=TokenList)
def list_tokens(request: Request, session: SessionDep, format: FormatQuery = None) -> Response:
    """Every token, revoked and expired ones included: never its secret or hash."""
    now = datetime.now(UTC)
    rows = [tokens.token_view(t, now) for t in tokens.list_tokens(session)]
    return list_response(request, rows, None, tokens.FIELDS)


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, session: SessionDep) -> JSONResponse:
    """Create a token. Its secret (`token`) is in this answer only: keep it."""
    now = datetime.now(UTC)
    expires_at = tokens.parse_expiry(body.expires_in, body.expires_at, now)
    issued = tokens.issue_token(session, body.name, body.scopes, expires_at, now)
    return JSONResponse(
        {**tokens.token_view(issued.row, now), "token": issued.secret}, status_code=201
    )


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: RowId, session: SessionDep, state: StateDep) -> Response:
    """Revoke a token: it is refused from now on (revoking it again changes nothing). Other
    replicas, which keep a checked token's scopes for `TRAINYARD_TOKEN_CACHE_SECONDS`,
    refuse it within that time."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no token {token_id}")
    tokens.revoke_token(row, datetime.now(UTC))
    state.grants.forget(token_id)
    return Response(status_code=204)
