"""API tokens: random secrets shown once, stored as SHA-256 hashes, with scopes.

A token may expire and can be revoked; either way it stops working at once, and the refusal
says which. Use is recorded in ``last_used_at`` at most once a minute per token, so reading
with a token does not turn every request into a write.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from art.errors import BadRequest, NotFound
from art.models import ApiToken

SCOPES = ("read", "write", "admin")
# admin implies write implies read: an admin token reads reports too.
IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}
PREFIX = "ty_"
TOUCH_EVERY = timedelta(minutes=1)
NAME_MAX = 200
DURATION = re.compile(r"(\d{1,5})([hdw])")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
FIELDS = (
    "id",
    "name",
    "scopes",
    "status",
    "created_at",
    "last_used_at",
    "expires_at",
    "revoked_at",
)


class TokenRefused(Exception):
    """The bearer token is unknown, revoked or expired; the message says which."""


@dataclass(frozen=True)
class Issued:
    """A new token's row and its secret (the only time the secret is visible)."""

    row: ApiToken
    secret: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_expiry(
    expires_in: str | None,
    expires_at: str | None,
    now: datetime,
    names: tuple[str, str] = ("expires_in", "expires_at"),
) -> datetime | None:
    """When a token asked for as a duration (90d, 12h, 2w) or as an ISO 8601 date or timestamp
    (UTC unless it has an offset) expires; None for never. ``names`` are the two options as
    the caller spells them (API fields or CLI flags), for the error messages."""
    if expires_in is not None and expires_at is not None:
        raise BadRequest(f"give {names[0]} or {names[1]}, not both", parameter="expires_in")
    if expires_in is not None:
        match = DURATION.fullmatch(expires_in.strip())
        if match is None:
            raise BadRequest(
                f"{names[0]} '{expires_in}' is not a duration such as 90d, 12h or 2w",
                parameter="expires_in",
            )
        return now + int(match[1]) * UNITS[match[2]]
    if expires_at is not None:
        try:
            when = datetime.fromisoformat(expires_at.strip())
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        except (ValueError, OverflowError):
            raise BadRequest(
                f"{names[1]} '{expires_at}' is not an ISO 8601 date or timestamp, "
                "such as 2026-12-31 or 2026-12-31T18:00:00+01:00",
                parameter="expires_at",
            ) from None
    return None


def issue_token(
    session: Session,
    name: str,
    scopes: Sequence[str],
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> Issued:
    """Create a token; BadRequest naming the field when the name, scopes or expiry is wrong."""
    now = now or datetime.now(UTC)
    if not 0 < len(name) <= NAME_MAX or not name.isprintable():
        raise BadRequest(f"a token name is 1 to {NAME_MAX} printable characters", parameter="name")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        given = f"unknown scope(s) {', '.join(unknown)}" if unknown else "no scope given"
        raise BadRequest(f"{given}; known: {', '.join(SCOPES)}", parameter="scopes")
    if expires_at is not None and expires_at <= now:
        raise BadRequest(
            f"the expiry {expires_at.isoformat()} is not in the future", parameter="expires_at"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name,
        token_hash=hash_token(secret),
        scopes=" ".join(sorted(set(scopes))),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return Issued(row, secret)


def create_token(
    session: Session, name: str, scopes: Sequence[str], expires_at: datetime | None = None
) -> str:
    """Create a token and return its secret (the only time it is visible)."""
    return issue_token(session, name, scopes, expires_at).secret


def _ended(row: ApiToken, now: datetime) -> tuple[str, datetime] | None:
    """("revoked" or "expired", when) for a token that no longer works, else None."""
    if row.revoked_at is not None:
        return "revoked", row.revoked_at
    if row.expires_at is not None and now >= row.expires_at:
        return "expired", row.expires_at
    return None


def status(row: ApiToken, now: datetime) -> str:
    """active, expired or revoked."""
    ended = _ended(row, now)
    return "active" if ended is None else ended[0]


# Built once (its cache key with it): every authenticated request looks its token up.
_BY_HASH = select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))


def lookup(session: Session, secret: str, now: datetime) -> ApiToken:
    """The token a secret belongs to; TokenRefused saying why it may not be used."""
    row = session.scalars(_BY_HASH, {"token_hash": hash_token(secret)}).first()
    if row is None:
        raise TokenRefused("the bearer token is unknown")
    ended = _ended(row, now)
    if ended is not None:
        verb = "was revoked" if ended[0] == "revoked" else "expired"
        raise TokenRefused(
            f"the bearer token '{row.name}' (id {row.id}) {verb} at {ended[1].isoformat()}"
        )
    return row


@dataclass(frozen=True)
class Checked:
    """What a token's check found: the scopes it grants (implied ones included), and what a
    grant kept for a while (app.token_grants) needs to know of it."""

    token_id: int
    scopes: frozenset[str]
    expires_at: datetime | None


def authenticate(session: Session, secret: str, now: datetime) -> set[str]:
    """The scopes alone of :func:`check_token`, for the checks that keep no grant (the
    console's sign-in, the MCP gate)."""
    return set(check_token(session, secret, now).scopes)


def check_token(session: Session, secret: str, now: datetime) -> Checked:
    """The scopes a token grants (implied ones included), with its id and end, recording its
    use at most once a minute; TokenRefused when it is unknown, revoked or expired."""
    row = lookup(session, secret, now)
    stale = now - TOUCH_EVERY
    if row.last_used_at is None or row.last_used_at <= stale:
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == row.id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    granted: set[str] = set()
    for scope in row.scopes.split():
        granted |= IMPLIED.get(scope, set())
    return Checked(row.id, frozenset(granted), row.expires_at)


def list_tokens(session: Session) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).order_by(ApiToken.id)).all()


def find_token(session: Session, ref: str) -> ApiToken:
    """A token by id (a number) or by name; a name shared by several live tokens is refused."""
    if ref.isascii() and ref.isdigit():
        row = session.get(ApiToken, int(ref)) if int(ref) < 2**31 else None
        if row is None:
            raise NotFound(f"no token with id {ref}")
        return row
    rows = session.scalars(select(ApiToken).where(ApiToken.name == ref).order_by(ApiToken.id)).all()
    if not rows:
        raise NotFound(f"no token named '{ref}'")
    live = [r for r in rows if r.revoked_at is None]
    if len(live) > 1:
        ids = ", ".join(str(r.id) for r in live)
        raise BadRequest(f"{len(live)} tokens are named '{ref}' (ids {ids}): give the id")
    return live[0] if live else rows[-1]


def revoke_token(row: ApiToken, now: datetime) -> bool:
    """Revoke a token; False when it was revoked already (its revocation time is kept)."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def token_view(row: ApiToken, now: datetime) -> dict[str, Any]:
    """What the API shows of a token: never its secret or hash."""
    return {
        "id": row.id,
        "name": row.name,
        "scopes": row.scopes.split(),
        "status": status(row, now),
        "created_at": row.created_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }
