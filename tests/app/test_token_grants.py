"""Checked tokens' scopes are kept a few seconds per process (app/token_grants.py).

The cache on its own with a clock the test holds (how long a grant is kept, exact expiry,
revocation in this process, refusals never kept, its size), then over the app: a token
revoked elsewhere (another replica, the command line) is refused once the grant is older
than ``TRAINYARD_TOKEN_CACHE_SECONDS``, and a revocation through this app at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from app.settings import Settings
from app.token_grants import GrantCache
from app.tokens import Checked, TokenRefused
from art.models import ApiToken
from tests.conftest import bearer

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Store:
    """The token check a request would make: counts its calls, answers as told."""

    def __init__(self, checked: Checked) -> None:
        self.checked: Checked | TokenRefused = checked
        self.calls = 0

    def __call__(self) -> Checked:
        self.calls += 1
        if isinstance(self.checked, TokenRefused):
            raise self.checked
        return self.checked


def _read(token_id: int = 7, expires_at: datetime | None = None) -> Checked:
    return Checked(token_id, frozenset({"read"}), expires_at)


def test_a_grant_is_kept_for_its_seconds_then_read_again() -> None:
    clock, store = Clock(), Store(_read())
    grants = GrantCache(5, clock=clock)
    assert grants.scopes("ty_a", T0, store) == {"read"}
    clock.now += 4.9
    assert grants.scopes("ty_a", T0, store) == {"read"}
    assert store.calls == 1
    clock.now += 0.1
    assert grants.scopes("ty_a", T0, store) == {"read"}
    assert store.calls == 2
    assert grants.scopes("ty_b", T0, store) == {"read"}  # another secret: its own grant
    assert store.calls == 3


def test_zero_seconds_keeps_nothing() -> None:
    store = Store(_read())
    grants = GrantCache(0, clock=Clock())
    for _ in range(3):
        assert grants.scopes("ty_a", T0, store) == {"read"}
    assert store.calls == 3


def test_an_expiry_is_exact_while_the_grant_is_kept() -> None:
    clock, store = Clock(), Store(_read(expires_at=T0 + timedelta(seconds=1)))
    grants = GrantCache(60, clock=clock)
    assert grants.scopes("ty_a", T0, store) == {"read"}
    assert grants.scopes("ty_a", T0 + timedelta(milliseconds=999), store) == {"read"}
    assert store.calls == 1
    store.checked = TokenRefused("the bearer token 'a' (id 7) expired at ...")
    with pytest.raises(TokenRefused, match="expired"):
        grants.scopes("ty_a", T0 + timedelta(seconds=1), store)
    assert store.calls == 2


def test_refusals_are_never_kept() -> None:
    store = Store(_read())
    store.checked = TokenRefused("the bearer token is unknown")
    grants = GrantCache(60, clock=Clock())
    for _ in range(2):
        with pytest.raises(TokenRefused):
            grants.scopes("ty_nope", T0, store)
    assert store.calls == 2


def test_forgetting_a_revoked_token_drops_its_grants_and_keeps_none_for_a_while() -> None:
    clock, store = Clock(), Store(_read(token_id=7))
    grants = GrantCache(5, clock=clock)
    other = Store(_read(token_id=8))
    grants.scopes("ty_a", T0, store)
    grants.scopes("ty_b", T0, other)
    grants.forget(7)
    grants.scopes("ty_b", T0, other)
    assert other.calls == 1  # another token's grant stays
    # a request that read the row before the revocation committed does not keep it alive
    grants.scopes("ty_a", T0, store)
    grants.scopes("ty_a", T0, store)
    assert store.calls == 3
    clock.now += 5
    grants.scopes("ty_a", T0, store)
    grants.scopes("ty_a", T0, store)
    assert store.calls == 4  # kept again once the while has passed


def test_the_least_recently_used_grant_goes_first_beyond_the_size() -> None:
    grants = GrantCache(60, size=2, clock=Clock())
    stores = {name: Store(_read(token_id=n)) for n, name in enumerate(("a", "b", "c"))}
    for name in ("a", "b", "a", "c"):  # "a" used again: "b" is the least recent
        grants.scopes(f"ty_{name}", T0, stores[name])
    grants.scopes("ty_a", T0, stores["a"])
    grants.scopes("ty_b", T0, stores["b"])
    assert {name: s.calls for name, s in stores.items()} == {"a": 1, "b": 2, "c": 1}


def test_the_setting_refuses_a_negative_or_huge_time() -> None:
    assert Settings().token_cache_seconds == 5.0
    for bad in ("-1", "301"):
        with pytest.raises(ValueError, match="token_cache_seconds"):
            Settings(token_cache_seconds=bad)  # type: ignore[arg-type]


def _state(client: TestClient) -> Any:
    return client.app.state.trainyard  # type: ignore[attr-defined]


def test_a_token_revoked_elsewhere_is_refused_once_its_grant_is_older_than_the_setting(
    client: TestClient, tokens: dict[str, str]
) -> None:
    state = _state(client)
    clock = Clock()
    state.grants.clock = clock
    reader = bearer(tokens["read"])
    assert client.get("/api/v1/arts", headers=reader).status_code == 200
    with state.sessions() as session, session.begin():  # as `trainyard token revoke` does
        session.execute(update(ApiToken).where(ApiToken.id == 1).values(revoked_at=T0))
    assert client.get("/api/v1/arts", headers=reader).status_code == 200  # the grant is kept
    clock.now += state.settings.token_cache_seconds
    refused = client.get("/api/v1/arts", headers=reader)
    assert (refused.status_code, refused.json()["detail"]) == (
        401,
        f"the bearer token 'test-read' (id 1) was revoked at {T0.isoformat()}",
    )


def test_a_token_revoked_through_this_app_is_refused_at_once(
    client: TestClient, tokens: dict[str, str]
) -> None:
    _state(client).grants.clock = Clock()  # no grant ends by time in this test
    reader = bearer(tokens["read"])
    assert client.get("/api/v1/arts", headers=reader).status_code == 200
    assert client.delete("/api/v1/tokens/1", headers=bearer(tokens["admin"])).status_code == 204
    refused = client.get("/api/v1/arts", headers=reader)
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith("the bearer token 'test-read' (id 1) was revoked")
