"""API tokens: random secrets shown once, stored as SHA-256 hashes, with scopes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from art.models import ApiToken

SCOPES = ("read", "write", "admin")
# admin implies write implies read: an admin token reads reports too.
IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}
PREFIX = "ty_"
TOUCH_EVERY = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str, scopes: list[str]) -> str:
    """Create a token and return its secret (the only time it is visible)."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            name=name,
            token_hash=hash_token(token),
            scopes=" ".join(sorted(set(scopes))),
            created_at=datetime.now(UTC),
        )
    )
    return token


def granted_scopes(session: Session, token: str) -> set[str] | None:
    """The scopes a token grants (implied ones included), or None when unknown or revoked."""
    row = session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        # Recording use at most every few minutes keeps reads from becoming writes.
        session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    granted: set[str] = set()
    for scope in row.scopes.split():
        granted |= IMPLIED.get(scope, set())
    return granted
