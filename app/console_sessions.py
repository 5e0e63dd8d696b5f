"""Console sessions: an API token is checked once at sign-in, and the browser gets a random
session id in its cookie, never the token. The console's pages need one; the API's read routes
take one in place of a bearer token (app.deps), so a page's JSON and CSV links open in the
browser that shows it.

The cookie holds 32 random bytes (URL-safe text) and nothing else. The store keeps, in
``console_sessions``, the SHA-256 of that id with the token's row id and the session's end:
a copy of the database shows no usable cookie, the raw token is never stored or sent back,
and every check re-reads the token's row, so revoking or expiring the token ends its console
sessions at once. Being in the database, a session holds on every web replica and across a
restart. Checking a session only reads: the console's pages write nothing; ended sessions
are deleted when someone signs in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from app.tokens import IMPLIED, TokenRefused, authenticate, lookup, status
from art.models import ApiToken, ConsoleSession

COOKIE = "trainyard_console"
LIFETIME = timedelta(hours=12)  # a PI planning day; the token's own expiry still applies


@dataclass(frozen=True)
class Signed:
    """Who a session belongs to: the token's row id and name, until when."""

    token_id: int
    token_name: str
    ends_at: datetime


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


# Built once (its cache key with it): every console page and cookie-read API call checks one.
_SESSION = (
    select(ConsoleSession.ends_at, ApiToken)
    .join(ApiToken, ApiToken.id == ConsoleSession.token_id)
    .where(ConsoleSession.digest == bindparam("digest"))
)


def sign_in(db: Session, secret: str, now: datetime) -> tuple[str, Signed]:
    """A new session id for a token granting ``read``, stored in ``db`` (the caller commits);
    TokenRefused saying why not. Sessions that have ended are deleted on the way."""
    if "read" not in authenticate(db, secret, now):
        raise TokenRefused("this token does not grant the 'read' scope")
    row = lookup(db, secret, now)
    ends = now + LIFETIME
    if row.expires_at is not None:
        ends = min(ends, row.expires_at)
    db.execute(delete(ConsoleSession).where(ConsoleSession.ends_at <= now))
    session_id = secrets.token_urlsafe(32)
    db.add(
        ConsoleSession(digest=_digest(session_id), token_id=row.id, created_at=now, ends_at=ends)
    )
    return session_id, Signed(row.id, row.name, ends)


def check(db: Session, session_id: str | None, now: datetime) -> Signed | None:
    """The session of a cookie while it and its token still work (read scope), else None.
    Reads only."""
    if not session_id:
        return None
    found = db.execute(_SESSION, {"digest": _digest(session_id)}).first()
    if found is None:
        return None
    ends_at, token = found
    granted: set[str] = set()
    if status(token, now) == "active":
        for scope in token.scopes.split():
            granted |= IMPLIED.get(scope, set())
    if now >= ends_at or "read" not in granted:
        return None
    return Signed(token.id, token.name, ends_at)


def sign_out(db: Session, session_id: str | None) -> None:
    """End a session (the caller commits); an unknown or ended one is no error."""
    if session_id:
        db.execute(delete(ConsoleSession).where(ConsoleSession.digest == _digest(session_id)))


def now_utc() -> datetime:
    return datetime.now(UTC)
