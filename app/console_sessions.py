"""Console sessions: an API token is checked once at sign-in, and the browser gets a random
session id in its cookie, never the token. The console's pages need one; the API's read routes
take one in place of a bearer token (app.deps), so a page's JSON and CSV links open in the
browser that shows it.

The cookie holds 32 random bytes (URL-safe text) and nothing else. The server keeps, in memory,
the SHA-256 of that id mapped to the token's row id and the session's end: a stolen server
memory dump shows no usable cookie, the raw token is never stored or sent back, and every page
re-reads the token's row, so revoking or expiring the token ends its console sessions at once.
Sessions live in the web process: a restart (or another web process) signs people in again,
which is the price of needing no server secret in the configuration.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from app.tokens import IMPLIED, TokenRefused, authenticate, lookup, status
from art.models import ApiToken

COOKIE = "trainyard_console"
LIFETIME = timedelta(hours=12)  # a PI planning day; the token's own expiry still applies
MAX_SESSIONS = 10_000  # the oldest go first: memory stays bounded whatever signs in


@dataclass(frozen=True)
class Signed:
    """Who a session belongs to: the token's row id and name, until when."""

    token_id: int
    token_name: str
    ends_at: datetime


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """The console's signed-in sessions of this process."""

    def __init__(self) -> None:
        self._by_digest: dict[str, Signed] = {}
        self._lock = threading.Lock()

    def sign_in(self, db: Session, secret: str, now: datetime) -> tuple[str, Signed]:
        """A new session id for a token granting ``read``; TokenRefused saying why not."""
        if "read" not in authenticate(db, secret, now):
            raise TokenRefused("this token does not grant the 'read' scope")
        row = lookup(db, secret, now)
        ends = now + LIFETIME
        if row.expires_at is not None:
            ends = min(ends, row.expires_at)
        signed = Signed(row.id, row.name, ends)
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            if len(self._by_digest) >= MAX_SESSIONS:
                oldest = min(self._by_digest, key=lambda k: self._by_digest[k].ends_at)
                del self._by_digest[oldest]
            self._by_digest[_digest(session_id)] = signed
        return session_id, signed

    def check(self, db: Session, session_id: str | None, now: datetime) -> Signed | None:
        """The session of a cookie while it and its token still work (read scope), else None
        (an ended one is forgotten)."""
        if not session_id:
            return None
        digest = _digest(session_id)
        with self._lock:
            signed = self._by_digest.get(digest)
        if signed is None:
            return None
        row = db.get(ApiToken, signed.token_id)
        granted: set[str] = set()
        if row is not None and status(row, now) == "active":
            for scope in row.scopes.split():
                granted |= IMPLIED.get(scope, set())
        if now >= signed.ends_at or "read" not in granted:
            self.sign_out(session_id)
            return None
        return signed

    def sign_out(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._by_digest.pop(_digest(session_id), None)


def now_utc() -> datetime:
    return datetime.now(UTC)
