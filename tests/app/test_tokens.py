"""API tokens can be listed, revoked and expired, and record their use (issue 12, item 16).

The rules with a clock the test holds (expiry to the microsecond, use recorded at most once a
minute, counted in UPDATE statements), then the admin API over the app, on SQLite and
PostgreSQL. The command line is in tests/app/test_cli.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, update
from sqlalchemy.orm import Session, sessionmaker

from app.tokens import (
    TokenRefused,
    authenticate,
    find_token,
    issue_token,
    parse_expiry,
    revoke_token,
)
from art.errors import BadRequest, NotFound
from art.models import ApiToken
from tests.conftest import bearer

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _state(client: TestClient) -> Any:
    return client.app.state.trainyard  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("expires_in", "expires_at", "expected"),
    [
        (None, None, None),
        ("90d", None, T0 + timedelta(days=90)),
        ("12h", None, T0 + timedelta(hours=12)),
        ("2w", None, T0 + timedelta(weeks=2)),
        (None, "2026-12-31", datetime(2026, 12, 31, tzinfo=UTC)),
        (None, "2026-12-31T18:00:00+01:00", datetime(2026, 12, 31, 17, tzinfo=UTC)),
        (None, "2026-12-31T18:00:00Z", datetime(2026, 12, 31, 18, tzinfo=UTC)),
    ],
)
def test_expiry_as_a_duration_or_a_date(
    expires_in: str | None, expires_at: str | None, expected: datetime | None
) -> None:
    assert parse_expiry(expires_in, expires_at, T0) == expected


@pytest.mark.parametrize(
    ("expires_in", "expires_at", "detail", "parameter"),
    [
        ("90", None, "expires_in '90' is not a duration such as 90d, 12h or 2w", "expires_in"),
        ("3mo", None, "expires_in '3mo' is not a duration such as 90d, 12h or 2w", "expires_in"),
        (
            None,
            "31/12/2026",
            "expires_at '31/12/2026' is not an ISO 8601 date or timestamp, such as 2026-12-31 "
            "or 2026-12-31T18:00:00+01:00",
            "expires_at",
        ),
        ("90d", "2026-12-31", "give expires_in or expires_at, not both", "expires_in"),
    ],
)
def test_expiry_that_cannot_be_read_is_named(
    expires_in: str | None, expires_at: str | None, detail: str, parameter: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        parse_expiry(expires_in, expires_at, T0)
    assert (str(refused.value), refused.value.parameter) == (detail, parameter)


def _authenticate(sessions: sessionmaker[Session], secret: str, now: datetime) -> set[str]:
    with sessions() as session, session.begin():
        return authenticate(session, secret, now)


def _row(sessions: sessionmaker[Session], token_id: int) -> ApiToken:
    with sessions() as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        return row


def test_use_is_recorded_at_most_once_a_minute(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session, session.begin():
        issued = issue_token(session, "powerbi", ["read"], now=T0 - timedelta(hours=1))
    token_id = issued.row.id
    updates: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            updates.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    seen = []
    for at in (
        T0,
        T0 + timedelta(seconds=59),
        T0 + timedelta(seconds=60),
        T0 + timedelta(seconds=61),
    ):
        assert _authenticate(sessions, issued.secret, at) == {"read"}
        seen.append(_row(sessions, token_id).last_used_at)
    event.remove(engine, "before_cursor_execute", count)
    assert seen == [T0, T0, T0 + timedelta(seconds=60), T0 + timedelta(seconds=60)]
    assert len(updates) == 2


def test_expired_and_revoked_tokens_are_refused_saying_so(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        contractor = issue_token(
            session, "contractor", ["write"], expires_at=T0 + timedelta(days=1), now=T0
        )
        leaked = issue_token(session, "leaked", ["admin"], now=T0)
    ends = T0 + timedelta(days=1)
    assert _authenticate(sessions, contractor.secret, ends - timedelta(microseconds=1)) == {
        "read",
        "write",
    }
    with pytest.raises(TokenRefused) as expired:
        _authenticate(sessions, contractor.secret, ends)
    assert str(expired.value) == (
        f"the bearer token 'contractor' (id {contractor.row.id}) expired at "
        "2026-05-05T09:00:00+00:00"
    )
    with sessions() as session, session.begin():
        row = session.get(ApiToken, leaked.row.id)
        assert row is not None
        assert revoke_token(row, T0 + timedelta(hours=2)) is True
    with sessions() as session, session.begin():
        row = session.get(ApiToken, leaked.row.id)
        assert row is not None
        assert revoke_token(row, T0 + timedelta(hours=3)) is False  # the first time is kept
    with pytest.raises(TokenRefused) as revoked:
        _authenticate(sessions, leaked.secret, T0 + timedelta(hours=4))
    assert str(revoked.value) == (
        f"the bearer token 'leaked' (id {leaked.row.id}) was revoked at 2026-05-04T11:00:00+00:00"
    )
    with pytest.raises(TokenRefused, match=r"^the bearer token is unknown$"):
        _authenticate(sessions, leaked.secret + "x", T0)


def test_a_token_is_found_by_id_or_by_its_name(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        ids = [issue_token(session, name, ["read"], now=T0).row.id for name in ("a", "b", "b")]
    with sessions() as session, session.begin():
        assert find_token(session, str(ids[1])).id == ids[1]
        assert find_token(session, "a").id == ids[0]
        with pytest.raises(BadRequest) as ambiguous:
            find_token(session, "b")
        assert (
            str(ambiguous.value) == f"2 tokens are named 'b' (ids {ids[1]}, {ids[2]}): give the id"
        )
        revoke_token(find_token(session, str(ids[1])), T0)
    with sessions() as session, session.begin():
        assert find_token(session, "b").id == ids[2]  # the one still live
        for ref, detail in (("99", "no token with id 99"), ("c", "no token named 'c'")):
            with pytest.raises(NotFound) as missing:
                find_token(session, ref)
            assert str(missing.value) == detail


def test_create_list_use_and_revoke_over_the_api(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    before = datetime.now(UTC)
    made = client.post(
        "/api/v1/tokens",
        headers=admin,
        json={"name": "powerbi", "scopes": ["read"], "expires_in": "90d"},
    )
    assert made.status_code == 201, made.text
    body = made.json()
    secret = body.pop("token")
    assert secret.startswith("ty_")
    created = datetime.fromisoformat(body["created_at"])
    assert before <= created <= datetime.now(UTC)
    assert body == {
        "id": 4,
        "name": "powerbi",
        "scopes": ["read"],
        "status": "active",
        "created_at": created.isoformat(),
        "last_used_at": None,
        "expires_at": (created + timedelta(days=90)).isoformat(),
        "revoked_at": None,
    }
    listed = client.get("/api/v1/tokens", headers=admin).json()["data"]
    assert [(t["id"], t["name"], t["scopes"], t["status"]) for t in listed] == [
        (1, "test-read", ["read"], "active"),
        (2, "test-write", ["write"], "active"),
        (3, "test-admin", ["admin"], "active"),
        (4, "powerbi", ["read"], "active"),
    ]
    assert listed[3] == body
    assert all(set(t) == set(body) for t in listed)  # never a secret or a hash
    assert listed[2]["last_used_at"] is not None  # the admin token listing them

    assert client.get("/api/v1/arts", headers=bearer(secret)).status_code == 200
    assert client.post("/api/v1/tokens", headers=bearer(secret), json={}).status_code == 403
    assert client.delete("/api/v1/tokens/4", headers=admin).status_code == 204
    after = client.get("/api/v1/tokens", headers=admin).json()["data"][3]
    assert after["status"] == "revoked"
    assert after["last_used_at"] is not None
    refused = client.get("/api/v1/arts", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["detail"] == (
        f"the bearer token 'powerbi' (id 4) was revoked at {after['revoked_at']}"
    )
    assert client.delete("/api/v1/tokens/4", headers=admin).status_code == 204
    assert client.get("/api/v1/tokens", headers=admin).json()["data"][3] == after
    missing = client.delete("/api/v1/tokens/99", headers=admin)
    assert (missing.status_code, missing.json()["detail"]) == (404, "no token 99")
    csv = client.get("/api/v1/tokens?format=csv", headers=admin).text.splitlines()
    assert csv[0] == "id,name,scopes,status,created_at,last_used_at,expires_at,revoked_at"
    assert csv[4].startswith('4,powerbi,"[""read""]",revoked,')


def test_expired_token_gets_401_saying_so(client: TestClient, tokens: dict[str, str]) -> None:
    with _state(client).sessions() as session, session.begin():
        old = issue_token(
            session,
            "trial",
            ["read"],
            expires_at=datetime(2020, 1, 2, tzinfo=UTC),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    refused = client.get("/api/v1/arts", headers=bearer(old.secret))
    assert refused.status_code == 401
    assert refused.json() == {
        "type": "https://trainyard.dev/problems/unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "the bearer token 'trial' (id 4) expired at 2020-01-02T00:00:00+00:00",
    }
    listed = client.get("/api/v1/tokens", headers=bearer(tokens["admin"])).json()["data"]
    assert (listed[3]["name"], listed[3]["status"], listed[3]["last_used_at"]) == (
        "trial",
        "expired",
        None,
    )


def test_last_used_is_written_at_most_once_a_minute_over_the_api(
    client: TestClient, tokens: dict[str, str]
) -> None:
    admin = bearer(tokens["admin"])
    secret = client.post(
        "/api/v1/tokens", headers=admin, json={"name": "bi", "scopes": ["read"]}
    ).json()["token"]

    def last_used() -> str | None:
        value: str | None = client.get("/api/v1/tokens", headers=admin).json()["data"][3][
            "last_used_at"
        ]
        return value

    assert last_used() is None
    client.get("/api/v1/arts", headers=bearer(secret))
    first = last_used()
    assert first is not None
    client.get("/api/v1/arts", headers=bearer(secret))
    assert last_used() == first  # within the minute: not written again
    back = datetime.fromisoformat(first) - timedelta(seconds=61)
    with _state(client).sessions() as session, session.begin():
        session.execute(update(ApiToken).where(ApiToken.id == 4).values(last_used_at=back))
    client.get("/api/v1/arts", headers=bearer(secret))
    assert last_used() == back.isoformat()  # the grant is still kept: the store is not read
    grants = _state(client).grants
    grants.clock = lambda: time.monotonic() + grants.seconds  # the grant is old enough now
    client.get("/api/v1/arts", headers=bearer(secret))
    again = last_used()
    assert again is not None
    assert datetime.fromisoformat(again) >= datetime.fromisoformat(first) > back


@pytest.mark.parametrize(
    ("body", "status", "parameter", "detail"),
    [
        (
            {"name": "x", "scopes": ["root"]},
            422,
            "scopes",
            "unknown scope(s) root; known: read, write, admin",
        ),
        (
            {"name": "x", "scopes": ["read"], "expires_at": "2020-01-01"},
            422,
            "expires_at",
            "the expiry 2020-01-01T00:00:00+00:00 is not in the future",
        ),
        (
            {"name": "x", "scopes": ["read"], "expires_in": "1d", "expires_at": "2099-01-01"},
            422,
            "expires_in",
            "give expires_in or expires_at, not both",
        ),
        (
            {"name": "bad\tname", "scopes": ["read"]},
            422,
            "name",
            "a token name is 1 to 200 printable characters",
        ),
        (
            {"name": "", "scopes": ["read"]},
            422,
            "name",
            "name: String should have at least 1 character",
        ),
    ],
)
def test_a_token_that_cannot_be_made_is_refused_naming_the_field(
    client: TestClient,
    tokens: dict[str, str],
    body: dict[str, Any],
    status: int,
    parameter: str,
    detail: str,
) -> None:
    resp = client.post("/api/v1/tokens", headers=bearer(tokens["admin"]), json=body)
    assert resp.status_code == status
    assert (resp.json()["errors"][0]["parameter"], resp.json()["detail"]) == (parameter, detail)
    assert len(client.get("/api/v1/tokens", headers=bearer(tokens["admin"])).json()["data"]) == 3


def test_only_admin_tokens_see_tokens(client: TestClient, tokens: dict[str, str]) -> None:
    for scope in ("read", "write"):
        resp = client.get("/api/v1/tokens", headers=bearer(tokens[scope]))
        assert (resp.status_code, resp.json()["detail"]) == (
            403,
            "this token lacks the 'admin' scope",
        )
