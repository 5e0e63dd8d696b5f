"""No GET route writes to the store (issue 13).

Every GET operation of the app, enumerated from its routes (tests/app_routes.py: a new route is
covered without being listed here), is asked with valid parameters over the golden ART, on
SQLite and PostgreSQL, each on a fresh store so that a write a route makes only the first time
is seen whichever route comes first. An engine listener (``before_cursor_execute``) records the
statements run for the request; any INSERT, UPDATE or DELETE among them fails the route's test,
which names the statements.

One write is authentication's, not the route's, and is left out: the bearer token's
``last_used_at``, recorded at most once a minute per token (app/tokens.py) by an UPDATE that
sets that column alone. That exact statement is excluded, nothing else. The token is first used
by the request under test, so each /api/v1 request must show that UPDATE once: proof that the
listener sees the request's statements at all.

A statement belongs to the request when it runs in the request's context: a context variable is
set around the ASGI call (copied into the worker threads that run sync handlers and
dependencies). The service's background threads (outgoing deliveries, the event watcher, the
inbox workers) write on their own schedule and are not the route's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.routes.digests import ALL_SECTIONS
from art.models import Digest, Subscription
from art.structure_queries import art_by_name
from tests.app.api.conftest import ART, AS_OF, REPORT_PI, WINDOW, Api
from tests.app.app_routes import OPERATIONS, Operation
from tests.app.attributed import Attributed, serving
from tests.conftest import bearer

GET_OPERATIONS = [op for op in OPERATIONS if op.method == "GET"]
# The catch-all chart route answers 404 for every name the named chart routes do not serve
NOT_FOUND_BY_DESIGN = {"GET /api/v1/arts/{art}/charts/{name}.{fmt}"}
# Parameters an operation cannot do without, beyond those every report takes
REQUIRED: dict[str, dict[str, str]] = {"GET /api/v1/arts/{art}/forecast": {"items": "5"}}
WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|REPLACE)\b", re.IGNORECASE)
# app/tokens.py's authenticate(): only last_used_at is set, on the token's row, when stale
TOKEN_TOUCH = re.compile(
    r"UPDATE api_tokens SET last_used_at=[^,]+ WHERE api_tokens\.id = \S+ AND "
    r"\(api_tokens\.last_used_at IS NULL OR api_tokens\.last_used_at <= .+\)"
)


def _query(op: Operation) -> dict[str, Any]:
    """Valid values for the query parameters a report or list needs at the golden as_of."""
    given: dict[str, Any] = {"as_of": AS_OF, **WINDOW, "art": ART, "pi": REPORT_PI}
    return {k: v for k, v in given.items() if k in op.query} | REQUIRED.get(str(op), {})


@dataclass
class Served:
    client: TestClient  # requests through Attributed
    headers: dict[str, str]  # a token with every scope, not used yet
    values: dict[str, str]  # path values that exist
    engine: Engine


@pytest.fixture
def served(api: Api) -> Iterator[Served]:
    """The golden ART's app (lifespan already run by ``api``), a token with every scope not
    used yet, and the path values of rows that exist: the ART, its report PI, a subscription
    and a digest (written directly: a request would use the token)."""
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with state.sessions() as s, s.begin():
        hook = Subscription(
            url="https://hooks.example.com/t", events=["*"], secret="whsec_t", created_at=now
        )
        digest = Digest(
            name="Weekly",
            art_id=art_by_name(s, ART).id,
            cron="0 8 * * MON",
            timezone="UTC",
            recipients=["a@b.co"],
            sections=list(ALL_SECTIONS),
            active=True,
            created_at=now,
        )
        s.add_all([hook, digest])
        s.flush()
        ids = {"sub_id": str(hook.id), "digest_id": str(digest.id)}
    values = {
        "art": ART,
        "pi": REPORT_PI,
        "fmt": "svg",
        "name": "nothing",
        "source": "golden",
        **ids,
    }
    # not entered: the app's lifespan already runs under api's client, it must not run twice
    client = TestClient(Attributed(api.client.app))
    yield Served(client, bearer(api.tokens["admin"]), values, state.engine)
    client.close()


@pytest.mark.parametrize("op", GET_OPERATIONS, ids=str)
def test_a_get_route_writes_nothing(served: Served, op: Operation) -> None:
    writes: list[str] = []
    touches: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if serving() is None or not WRITE.match(statement):
            return
        statement = " ".join(statement.split())
        if TOKEN_TOUCH.fullmatch(statement):
            touches.append(statement)  # authentication's bookkeeping, once a minute per token
            return
        writes.append(statement)

    event.listen(served.engine, "before_cursor_execute", record)
    try:
        resp = served.client.get(op.url(served.values), params=_query(op), headers=served.headers)
    finally:
        event.remove(served.engine, "before_cursor_execute", record)
    expected = 404 if str(op) in NOT_FOUND_BY_DESIGN else 200
    assert resp.status_code == expected, f"{op}: {resp.text[:500]}"
    assert len(touches) == (1 if op.path.startswith("/api/v1/") else 0)
    assert writes == [], f"{op} wrote to the store"
