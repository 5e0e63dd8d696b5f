"""Signing in to the console: a token checked once, a random session id in an HttpOnly,
SameSite=Strict cookie, every page behind it, and a session that ends with its token."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from html import unescape as html_unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.console_sessions import COOKIE
from app.main import create_app
from app.settings import Settings
from app.tokens import find_token, revoke_token
from art.config import TrainyardConfig
from art.models import ConsoleSession
from tests.app.api.conftest import ART, AS_OF, REPORT_PI, Api

BOARD = f"/arts/{ART}/pis/{REPORT_PI}/board"


def _sign_in(api: Api, token: str, target: str = "/") -> str:
    resp = api.client.post(
        "/sign-in", data={"token": token, "next": target}, follow_redirects=False
    )
    assert resp.status_code == 303, resp.text
    return resp.headers["set-cookie"]


def test_a_page_without_a_session_is_a_303_to_sign_in_and_shows_nothing(api: Api) -> None:
    resp = api.client.get(BOARD, params={"as_of": AS_OF}, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == (
        "/sign-in?next=%2Farts%2FPhoenix%2Fpis%2FPI+26.1%2Fboard%3Fas_of%3D2026-02-10T12%253A00"
        "%253A00%252B00%253A00"
    )
    assert resp.text == ""


def test_a_bearer_token_is_no_console_session(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.tokens['read']}"}
    resp = api.client.get(BOARD, headers=headers, follow_redirects=False)
    assert resp.status_code == 303


def test_signing_in_sets_a_strict_httponly_cookie_holding_no_token(api: Api) -> None:
    cookie = _sign_in(api, api.tokens["read"], BOARD)
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http here; https adds Secure
    assert "Max-Age=43200" in cookie and "Path=/" in cookie
    assert api.tokens["read"] not in cookie
    value = api.client.cookies[COOKIE]
    assert len(value) == 43 and value != api.tokens["read"]
    assert api.client.get(BOARD, params={"as_of": AS_OF}).status_code == 200


def test_an_https_request_gets_a_secure_cookie(api: Api) -> None:
    resp = api.client.post(
        "https://testserver/sign-in",
        data={"token": api.tokens["read"], "next": "/"},
        follow_redirects=False,
    )
    assert "secure" in resp.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "enter an API token (from `trainyard token create`)"),
        ("ty_nothing", "this token is unknown"),
    ],
)
def test_a_refused_token_stays_on_sign_in_saying_why(api: Api, token: str, message: str) -> None:
    resp = api.client.post("/sign-in", data={"token": token, "next": BOARD})
    assert resp.status_code == 401
    assert f'<p class="error" role="alert">{message}</p>' in resp.text.replace("&#96;", "`")
    assert "set-cookie" not in resp.headers


@pytest.mark.parametrize("scope", ["write", "admin"])
def test_tokens_with_more_than_read_sign_in_too(api: Api, scope: str) -> None:
    _sign_in(api, api.tokens[scope])
    assert api.client.get(f"/arts/{ART}", params={"as_of": AS_OF}).status_code == 200


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        (BOARD, "/arts/Phoenix/pis/PI%2026.1/board"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
    ],
)
def test_sign_in_only_goes_back_to_this_site(api: Api, target: str, landing: str) -> None:
    resp = api.client.post(
        "/sign-in", data={"token": api.tokens["read"], "next": target}, follow_redirects=False
    )
    assert resp.headers["location"] == landing


def test_revoking_the_token_ends_its_console_sessions(api: Api) -> None:
    _sign_in(api, api.tokens["read"])
    assert api.client.get(f"/arts/{ART}", follow_redirects=False).status_code == 200
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session, session.begin():
        revoke_token(find_token(session, "test-read"), datetime.now(UTC))
    assert api.client.get(f"/arts/{ART}", follow_redirects=False).status_code == 303


def test_signing_out_ends_the_session_on_the_server_too(api: Api) -> None:
    _sign_in(api, api.tokens["read"])
    stolen = api.client.cookies[COOKIE]
    resp = api.client.get("/sign-out", follow_redirects=False)
    assert (resp.status_code, resp.headers["location"]) == (303, "/sign-in")
    assert 'trainyard_console=""' in resp.headers["set-cookie"]
    api.client.cookies.set(COOKIE, stolen)  # the old id, replayed
    assert api.client.get(f"/arts/{ART}", follow_redirects=False).status_code == 303


def test_the_sign_in_form_is_the_only_form_that_posts(api: Api) -> None:
    _sign_in(api, api.tokens["read"])
    pages = [
        f"/arts/{ART}",
        BOARD,
        f"/arts/{ART}/pis/{REPORT_PI}/dependencies",
        f"/arts/{ART}/predictability",
        f"/arts/{ART}/flow",
        f"/arts/{ART}/velocity",
        f"/arts/{ART}/data-quality",
        f"/arts/{ART}/items/RED-F1",
    ]
    for path in pages:
        html = api.client.get(path, params={"as_of": AS_OF}).text.lower()
        assert 'method="post"' not in html, path
    assert api.client.get("/sign-in").text.count('method="post"') == 1


def test_a_sign_in_posted_from_another_site_is_refused(api: Api) -> None:
    resp = api.client.post(
        "/sign-in",
        data={"token": api.tokens["read"], "next": "/"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert resp.status_code == 403
    assert "set-cookie" not in resp.headers
    same = api.client.post(
        "/sign-in",
        data={"token": api.tokens["read"], "next": "/"},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_pages_cannot_be_framed_and_load_nothing_from_elsewhere(api: Api) -> None:
    headers = api.client.get("/sign-in").headers
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'self'" in headers["content-security-policy"]


def _page_links(api: Api, path: str) -> list[str]:
    """The JSON and CSV links a console page shows, as the browser follows them."""
    html = api.client.get(path, params={"as_of": AS_OF}).text
    return [html_unescape(h) for h in re.findall(r'href="(/api/v1/[^"]+)"', html)]


def test_a_signed_in_browser_opens_the_pages_json_and_csv_links(api: Api) -> None:
    _sign_in(api, api.tokens["read"])
    links = _page_links(api, f"/arts/{ART}/predictability")
    as_of = "as_of=2026-02-10T12%3A00%3A00%2B00%3A00"
    paths = [
        f"/api/v1/arts/{ART}/predictability",
        "/api/v1/arts/Phoenix/pis/PI%2026.1/outlook",
        "/api/v1/arts/Phoenix/pis/PI%2026.1/predictability",
        f"/api/v1/arts/{ART}/predictability",  # the footer's
    ]
    assert links == [f"{p}?{q}{as_of}" for p in paths for q in ("", "format=csv&")]
    bearer = {"Authorization": f"Bearer {api.tokens['read']}"}
    for link in links:
        browser = api.client.get(link)
        assert browser.status_code == 200, (link, browser.text)
        cookie = api.client.cookies[COOKIE]
        api.client.cookies.clear()
        assert browser.content == api.client.get(link, headers=bearer).content
        api.client.cookies.set(COOKIE, cookie)
    assert api.client.get(links[1]).headers["content-type"] == "text/csv; charset=utf-8"


def test_a_session_cookie_reads_but_never_writes_or_administers(api: Api) -> None:
    _sign_in(api, api.tokens["admin"])
    assert api.client.get(f"/api/v1/arts/{ART}/predictability").status_code == 200
    resp = api.client.get("/api/v1/tokens")  # admin: a bearer token only
    assert resp.status_code == 401
    assert resp.json()["detail"] == "a bearer token is required (Authorization: Bearer <token>)"
    posted = api.client.post("/api/v1/tokens", json={"name": "from-a-cookie", "scopes": ["read"]})
    assert posted.status_code == 401


def test_the_api_refuses_a_cookie_once_its_session_ended(api: Api) -> None:
    _sign_in(api, api.tokens["read"])
    stolen = api.client.cookies[COOKIE]
    api.client.get("/sign-out", follow_redirects=False)
    api.client.cookies.set(COOKIE, stolen)
    assert api.client.get(f"/api/v1/arts/{ART}/predictability").status_code == 401
    api.client.cookies.set(COOKIE, "made-up")
    assert api.client.get(f"/api/v1/arts/{ART}/predictability").status_code == 401


def test_a_session_holds_on_another_replica_and_after_a_restart(
    api: Api, store_url: str, app_config: TrainyardConfig, tmp_path: Path
) -> None:
    _sign_in(api, api.tokens["read"])
    cookie = api.client.cookies[COOKIE]
    settings = Settings(database_url=store_url, data_dir=tmp_path / "other", scheduler=False)
    with TestClient(create_app(settings, app_config)) as other:  # a second web process
        other.cookies.set(COOKIE, cookie)
        page = other.get(f"/arts/{ART}", params={"as_of": AS_OF}, follow_redirects=False)
        assert page.status_code == 200
        assert other.get(f"/api/v1/arts/{ART}/predictability").status_code == 200
        other.get("/sign-out", follow_redirects=False)  # signing out there ends it here too
    assert api.client.get(f"/arts/{ART}", follow_redirects=False).status_code == 303


def test_the_store_keeps_a_digest_of_the_session_and_sign_in_clears_ended_ones(
    api: Api,
) -> None:
    _sign_in(api, api.tokens["read"])
    first = api.client.cookies[COOKIE]
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as session:
        [row] = session.scalars(select(ConsoleSession)).all()
        assert row.digest == hashlib.sha256(first.encode()).hexdigest() != first
        assert (row.token_id, row.ends_at - row.created_at) == (
            find_token(session, "test-read").id,
            timedelta(hours=12),
        )
    with state.sessions() as session, session.begin():  # the first session's time runs out
        session.execute(update(ConsoleSession).values(ends_at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert api.client.get(f"/arts/{ART}", follow_redirects=False).status_code == 303
    with state.sessions() as session:  # a check only reads: the ended row is still there
        assert session.scalar(select(func.count()).select_from(ConsoleSession)) == 1
    _sign_in(api, api.tokens["write"])
    with state.sessions() as session:
        [row] = session.scalars(select(ConsoleSession)).all()
        assert row.token_id == find_token(session, "test-write").id
