"""Auth, scopes, problem+json and the structure endpoints, through the ASGI app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer


def test_health_and_readiness_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_no_token_is_401_problem(client: TestClient) -> None:
    resp = client.get("/api/v1/arts")
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["www-authenticate"] == "Bearer"
    body = resp.json()
    assert body["status"] == 401
    assert body["title"] == "Unauthorized"
    assert body["detail"] == "a bearer token is required (Authorization: Bearer <token>)"


def test_unknown_token_is_401(client: TestClient) -> None:
    resp = client.get("/api/v1/arts", headers=bearer("ty_not-a-token"))
    assert resp.status_code == 401
    assert resp.json()["detail"] == "the bearer token is unknown"


def test_read_token_reads_arts(client: TestClient, tokens: dict[str, str]) -> None:
    resp = client.get("/api/v1/arts", headers=bearer(tokens["read"]))
    assert resp.status_code == 200
    assert resp.json() == {
        "data": [{"name": "Phoenix", "timezone": "UTC", "data_version": 0}],
        "next_cursor": None,
    }


def test_admin_token_implies_read(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/arts", headers=bearer(tokens["admin"])).status_code == 200


def test_teams_and_pis_of_an_art(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["read"])
    teams = client.get("/api/v1/arts/Phoenix/teams", headers=h).json()
    assert teams == {
        "data": [{"name": "Blue", "items": 0}, {"name": "Red", "items": 0}],
        "next_cursor": None,
    }
    pis = client.get("/api/v1/arts/Phoenix/pis", headers=h).json()
    assert pis["data"] == [
        {"name": "PI 25.4", "start": "2025-10-20", "end": "2026-01-04", "current": False},
        {"name": "PI 26.1", "start": "2026-01-05", "end": "2026-03-15", "current": False},
    ]
    one = client.get("/api/v1/arts/Phoenix/pis/PI 26.1", headers=h).json()
    assert one == {
        "name": "PI 26.1",
        "start": "2026-01-05",
        "end": "2026-03-15",
        "current": False,
        "iterations": [],
    }


def test_paging_walks_every_row_with_cursor_and_link(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["read"])
    first = client.get("/api/v1/arts/Phoenix/pis?limit=1", headers=h)
    assert [p["name"] for p in first.json()["data"]] == ["PI 25.4"]
    cursor = first.json()["next_cursor"]
    assert first.headers["link"].endswith('>; rel="next"')
    assert f"cursor={cursor}" in first.headers["link"]
    second = client.get(f"/api/v1/arts/Phoenix/pis?limit=1&cursor={cursor}", headers=h).json()
    assert [p["name"] for p in second["data"]] == ["PI 26.1"]
    assert second["next_cursor"] is None


def test_csv_by_accept_header_and_by_format(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["read"])
    by_accept = client.get("/api/v1/arts/Phoenix/pis", headers={**h, "Accept": "text/csv"})
    assert by_accept.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        by_accept.text == "name,start,end,current\r\nPI 25.4,2025-10-20,2026-01-04,false\r\n"
        "PI 26.1,2026-01-05,2026-03-15,false\r\n"
    )
    by_format = client.get("/api/v1/arts/Phoenix/teams?format=csv", headers=h)
    assert by_format.text == "name,items\r\nBlue,0\r\nRed,0\r\n"


def test_bad_query_is_problem_json_naming_the_parameter(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["read"])
    resp = client.get("/api/v1/arts?limit=5000", headers=h)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["errors"] == [
        {
            "parameter": "limit",
            "in": "query",
            "message": "limit must be between 1 and 1000, got 5000",
        }
    ]
    resp = client.get("/api/v1/arts?limit=many", headers=h)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["parameter"] == "limit"
    resp = client.get("/api/v1/arts?cursor=%%%", headers=h)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["parameter"] == "cursor"


def test_unknown_art_and_pi_are_404_naming_the_known_ones(
    client: TestClient, tokens: dict[str, str]
) -> None:
    h = bearer(tokens["read"])
    resp = client.get("/api/v1/arts/Dragon/teams", headers=h)
    assert resp.status_code == 404
    assert resp.json()["detail"] == "no ART named 'Dragon' (known: Phoenix)"
    resp = client.get("/api/v1/arts/Phoenix/pis/PI 9.9", headers=h)
    assert resp.json()["detail"] == "no PI named 'PI 9.9' in this ART (known: PI 25.4, PI 26.1)"


def test_etag_answers_304_when_unchanged(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["read"])
    first = client.get("/api/v1/arts/Phoenix", headers=h)
    tag = first.headers["etag"]
    again = client.get("/api/v1/arts/Phoenix", headers={**h, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["etag"] == tag


def test_openapi_publishes_the_structure_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/arts",
        "/api/v1/arts/{art}/teams",
        "/api/v1/arts/{art}/pis",
        "/healthz",
        "/readyz",
    } <= set(paths)
    assert client.get("/docs").status_code == 200
