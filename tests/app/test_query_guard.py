"""Issue 12 item 17: a query parameter an /api/v1 endpoint does not declare is a 422 naming it
(it used to be ignored: ``/items?key=GOLD-137`` answered every item), for every operation,
enumerated from the app's routes; what an endpoint accepts is what the OpenAPI document
publishes; every list that answers CSV takes ``format``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.tokens import create_token
from art.config import TrainyardConfig
from art.db import upgrade
from art.models import Delivery, Subscription
from tests.app.app_routes import API_OPERATIONS, PATH_VALUES, Operation
from tests.conftest import BACKENDS, PG_URL, bearer, drop_pg_database, pg_database

CONFIG = TrainyardConfig.model_validate(
    {
        "arts": [
            {
                "name": PATH_VALUES["art"],
                "teams": [{"name": "Blue"}, {"name": "Red"}],
                "pis": [{"name": PATH_VALUES["pi"], "start": "2026-01-05", "end": "2026-03-15"}],
            }
        ]
    }
)


@dataclass
class Served:
    client: TestClient
    headers: dict[str, str]  # a token with every scope
    ids: dict[str, str]  # path values of rows that exist: objective_id, sub_id, ...

    def call(self, op: Operation, query: Any = None, **headers: str) -> Any:
        return self.client.request(
            op.method, op.url(self.ids), params=query, headers={**self.headers, **headers}
        )


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """The app over a store holding CONFIG's ART and one row of each kind an id names."""
    tmp: Path = tmp_path_factory.mktemp("guard")
    pg_name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'store.db'}"
        upgrade(url)
    elif PG_URL is None:
        pytest.skip("TRAINYARD_TEST_POSTGRES_URL is not set")
    else:
        url, pg_name = pg_database()
    settings = Settings(database_url=url, data_dir=tmp / "data", scheduler=False)
    with TestClient(create_app(settings, CONFIG, with_worker=False)) as client:
        state = client.app.state.trainyard  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        with state.sessions() as s, s.begin():
            headers = bearer(create_token(s, "guard", ["read", "write", "admin"]))
            hook = Subscription(
                url="https://hooks.example.com/t", events=["*"], secret="whsec_t", created_at=now
            )
            s.add(hook)
            s.flush()
            delivery = Delivery(
                subscription_id=hook.id,
                event_id="msg_1",
                event_type="ping",
                payload={},
                status="delivered",
                next_attempt_at=now,
                created_at=now,
            )
            s.add(delivery)
            s.flush()
            ids = {"sub_id": str(hook.id), "delivery_id": str(delivery.id)}
        base = f"/api/v1/arts/{PATH_VALUES['art']}/pis/{PATH_VALUES['pi']}"
        digest = {"name": "W", "art": "Phoenix", "cron": "0 8 * * MON", "recipients": ["a@b.co"]}
        for name, path, body in [
            ("objective_id", f"{base}/objectives", {"team": "Blue", "text": "Do", "planned_bv": 5}),
            ("risk_id", f"{base}/risks", {"text": "Vendor late"}),
            ("digest_id", "/api/v1/digests", digest),
        ]:
            made = client.post(path, json=body, headers=headers)
            assert made.status_code == 201, made.text
            ids[name] = str(made.json()["id"])
        yield Served(client, headers, ids)
    if pg_name is not None:
        drop_pg_database(pg_name)


INVALID_TYPE = "https://trainyard.dev/problems/invalid-request"


def _takes(op: Operation) -> str:
    names = sorted(op.query)
    return f"it takes {', '.join(names)}" if names else "it takes no query parameters"


@pytest.mark.parametrize("op", API_OPERATIONS, ids=str)
def test_an_unknown_query_parameter_is_a_422_naming_it(served: Served, op: Operation) -> None:
    resp = served.call(op, {"colour": "red"})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body = resp.json()
    assert (body["type"], body["title"]) == (INVALID_TYPE, "Invalid request")
    assert [(e["parameter"], e["in"]) for e in body["errors"]] == [("colour", "query")]
    assert body["detail"].startswith(f"unknown query parameter 'colour' for {op}; it takes ")
    if op.published:  # the parameters it lists are the ones the OpenAPI document publishes
        assert body["errors"][0]["message"] == f"not a parameter of {op}; {_takes(op)}"
        assert body["detail"] == f"unknown query parameter 'colour' for {op}; {_takes(op)}"


def test_every_unknown_parameter_is_named_once_and_known_ones_are_not(served: Served) -> None:
    items = next(op for op in API_OPERATIONS if str(op) == "GET /api/v1/items")
    resp = served.call(
        items, [("art", "Phoenix"), ("colour", "red"), ("size", "9"), ("colour", "")]
    )
    assert resp.status_code == 422
    assert [e["parameter"] for e in resp.json()["errors"]] == ["colour", "size"]
    assert resp.json()["detail"] == (
        f"unknown query parameters 'colour', 'size' for GET /api/v1/items; {_takes(items)}"
    )


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_outside_the_api_unknown_parameters_are_left_alone(served: Served, path: str) -> None:
    """Probes and webhook senders add their own query strings; only /api/v1 is strict."""
    assert served.client.get(path, params={"colour": "red"}).status_code == 200


LISTS_AND_REPORTS = [op for op in API_OPERATIONS if op.method == "GET"]
REQUIRED = {"GET /api/v1/arts/{art}/forecast": {"items": "5"}}  # one of items= or date=


@pytest.mark.parametrize("op", LISTS_AND_REPORTS, ids=str)
def test_an_endpoint_that_answers_csv_takes_format(served: Served, op: Operation) -> None:
    """docs/api.md: every list and report answers CSV on ``Accept: text/csv`` or ``?format=csv``;
    an endpoint that answers CSV must therefore declare ``format`` or it would refuse it."""
    query = REQUIRED.get(str(op), {})
    by_accept = served.call(op, query, Accept="text/csv")
    assert by_accept.status_code in (200, 404), by_accept.text  # 404: the catch-all chart
    if not by_accept.headers["content-type"].startswith("text/csv"):
        assert "format" not in op.query or by_accept.status_code == 404, by_accept.headers
        return
    assert "format" in op.query
    by_format = served.call(op, {**query, "format": "csv"})
    assert by_format.status_code == 200, by_format.text
    assert by_format.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_format.text.splitlines()[0] == by_accept.text.splitlines()[0]  # same columns


def test_every_parameter_mistake_is_one_kind_of_problem(served: Served) -> None:
    """An unknown parameter, a value of the wrong type and a value naming nothing that exists
    are answered alike: 422, one problem type, each error naming the parameter and where."""
    items = next(op for op in API_OPERATIONS if str(op) == "GET /api/v1/items")
    answers = [
        served.call(items, query)
        for query in ({"colour": "red"}, {"limit": "many"}, {"team": "Purple"}, {"limit": "0"})
    ]
    shapes = [
        (r.status_code, r.headers["content-type"], r.json()["type"], r.json()["title"])
        for r in answers
    ]
    assert shapes == [(422, "application/problem+json", INVALID_TYPE, "Invalid request")] * 4
    assert [(e["parameter"], e["in"]) for r in answers for e in r.json()["errors"]] == [
        ("colour", "query"),
        ("limit", "query"),
        ("team", "query"),
        ("limit", "query"),
    ]
    assert answers[2].json()["detail"] == "no team named 'Purple'"


def test_a_body_mistake_names_the_field_in_the_body(served: Served) -> None:
    resp = served.client.post(
        "/api/v1/subscriptions",
        json={"url": "https://hooks.example.com/x", "events": ["item.exploded"]},
        headers=served.headers,
    )
    assert resp.status_code == 422
    assert resp.json()["type"] == INVALID_TYPE
    assert resp.json()["errors"] == [
        {
            "parameter": "events",
            "in": "body",
            "message": resp.json()["detail"],
        }
    ]


def test_a_body_that_cannot_be_read_is_the_same_kind_of_problem(served: Served) -> None:
    resp = served.client.post(
        "/api/v1/tokens",
        content=b"\xff\xfe{",
        headers={**served.headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 422
    assert resp.json() == {
        "type": INVALID_TYPE,
        "title": "Invalid request",
        "status": 422,
        "detail": "the body could not be read: There was an error parsing the body",
        "errors": [
            {
                "parameter": "body",
                "in": "body",
                "message": "the body could not be read: There was an error parsing the body",
            }
        ],
    }
