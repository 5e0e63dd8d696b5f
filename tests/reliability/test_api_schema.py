"""Schemathesis against the published OpenAPI document, with the golden ART in the store.

Every operation is called with generated requests (valid and invalid), once with a read token
and once with an admin token, against the app served by uvicorn over a SQLite store that holds
the golden ART. No answer may be a 5xx, and every answer must be one the document describes:
its status, its content type, its JSON body and its headers.

Checks, explicitly (``CHECKS``): not_a_server_error, status_code_conformance,
content_type_conformance, response_schema_conformance, response_headers_conformance,
unsupported_method, allow_header_conformance and ignored_auth. Left out, because the API is
right and the check assumes otherwise: positive_data_acceptance (a schema-valid request may
still name an ART, PI or team that does not exist, or an as_of outside 1900-9000: 422/404 are
the right answers) and negative_data_rejection (a number is read as a Unix time for date-time
parameters, as FastAPI does; unknown query parameters are refused, see test_query_guard.py).
The stateful checks (use_after_free, ensure_resource_availability) need linked operations,
which this run has not.

Excluded operations: ``POST /api/v1/digests/{digest_id}/send`` (sends e-mail),
``POST /api/v1/sources/{source}/sync`` (starts a network pull) and
``DELETE /api/v1/tokens/{token_id}`` (it revokes this run's own admin token, and every later
admin call is then a 401; tests/app/test_tokens.py covers it). The outgoing webhook worker
is stopped, so subscriptions made here are never called.

The schema is loaded from ``create_app().openapi()`` and parametrized at import time because
``schemathesis.pytest.from_fixture`` fails under pytest 9 (it writes ``request.node._nodeid``,
which pytest 9 nodes no longer have); the fixture below starts the app the document is of.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import checks as sc
from schemathesis.specs.openapi import checks as oc
from sqlalchemy import select

from app.main import create_app
from app.outgoing.dispatcher import ping_delivery
from app.settings import Settings
from app.tokens import create_token
from art.db import upgrade
from art.models import ART as ARTRow
from art.models import PI, PIObjective, Risk, Source, Subscription
from simulators.server import BackgroundServer
from tests.app.api.conftest import ART, AS_OF, SCENARIO, golden_config
from tests.golden_store import store_art
from tests.metrics.golden_inputs import scenario_data

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [
    sc.not_a_server_error,
    oc.status_code_conformance,
    oc.content_type_conformance,
    oc.response_schema_conformance,
    oc.response_headers_conformance,
    oc.unsupported_method,
    oc.allow_header_conformance,
    oc.ignored_auth,
]
# Values that exist in the golden store: the generator mixes them with its own, so the
# reports are computed over real data and not only refused with 404.
KNOWN_PATH: dict[str, st.SearchStrategy[Any]] = {
    "art": st.just(ART),
    "pi": st.sampled_from([p.name for p in SCENARIO.pis]),
    "fmt": st.sampled_from(["svg", "png"]),
    "source": st.just("golden"),
    "objective_id": st.integers(1, len(SCENARIO.objectives) + 2),  # one more from a tracker
    "risk_id": st.integers(1, 3),
    "sub_id": st.integers(1, 3),
    "digest_id": st.integers(1, 3),
    "delivery_id": st.integers(1, 3),
}
KNOWN_BODY: dict[str, st.SearchStrategy[Any]] = {
    "art": st.just(ART),
    "team": st.sampled_from(SCENARIO.teams),
    "cron": st.sampled_from(["0 8 * * MON", "*/30 6-18 * * 1-5"]),
    "timezone": st.sampled_from(["UTC", "Europe/Paris", "Pacific/Chatham"]),
    "recipients": st.just(["rte@example.com"]),
    "events": st.just(["*"]),
    "scopes": st.just(["read"]),
}
KNOWN_QUERY: dict[str, st.SearchStrategy[Any]] = {
    "art": st.just(ART),
    "as_of": st.just(AS_OF),
    "team": st.sampled_from(SCENARIO.teams),
    "pi": st.sampled_from([p.name for p in SCENARIO.pis]),
    "source": st.just("golden"),
}


def _known(values: dict[str, st.SearchStrategy[Any]]) -> Any:
    """A flatmap hook: each parameter named in ``values`` gets a value that exists in the
    store (tried first) or keeps the generated one."""

    def hook(context: Any, drawn: Any) -> st.SearchStrategy[Any]:
        if not isinstance(drawn, dict) or not any(n in values for n in drawn):
            return st.just(drawn)
        return st.fixed_dictionaries(
            {
                n: st.one_of(values[n], st.just(v)) if n in values else st.just(v)
                for n, v in drawn.items()
            }
        )

    return hook


schema = (
    schemathesis.openapi.from_dict(create_app(Settings(scheduler=False)).openapi())
    .exclude(
        method="POST",
        path_regex=r"^/api/v1/(digests/\{digest_id\}/send|sources/\{source\}/sync)$",
    )
    .exclude(method="DELETE", path_regex=r"^/api/v1/tokens/\{token_id\}$")
)
schema.hook("flatmap_path_parameters")(_known(KNOWN_PATH))
schema.hook("flatmap_query")(_known(KNOWN_QUERY))
schema.hook("flatmap_body")(_known(KNOWN_BODY))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The app over a SQLite store holding the golden ART, on a loopback port; tokens."""
    tmp = tmp_path_factory.mktemp("schema")
    url = f"sqlite:///{tmp / 'store.db'}"
    upgrade(url)
    app = create_app(  # the web alone: no worker sends the subscription below anything
        Settings(database_url=url, data_dir=tmp / "data", scheduler=False),
        golden_config(),
        with_worker=False,
    )
    server = BackgroundServer(app).start()
    try:
        state = app.state.trainyard
        now = datetime.now(UTC)
        with state.sessions() as session, session.begin():
            store_art(session, scenario_data(SCENARIO))
            tokens = {s: create_token(session, f"schema-{s}", [s]) for s in ("read", "admin")}
            # A subscription (its URL is never called: no worker runs) with a delivery
            hook = Subscription(
                url="https://hooks.example.com/trainyard",
                events=["*"],
                secret="whsec_test",
                active=True,
                consecutive_failures=0,
                created_at=now,
            )
            session.add(hook)
            # an objective and a risk that come from the tracker: the API may not edit them
            art = session.scalars(select(ARTRow).where(ARTRow.name == ART)).one()
            pi = session.scalars(select(PI).where(PI.art_id == art.id)).first()
            source = session.scalars(select(Source).where(Source.name == "golden")).one()
            owned = {"art_id": art.id, "pi_id": pi.id if pi else None, "source_id": source.id}
            session.add_all(
                [
                    PIObjective(
                        **owned,
                        key="PHX-OBJ-1",
                        text="From the tracker",
                        committed=True,
                        planned_bv=5,
                        items=[],
                        deleted=False,
                        updated_at=now,
                    ),
                    Risk(
                        **owned,
                        key="PHX-RISK-1",
                        text="From the tracker",
                        roam="owned",
                        deleted=False,
                        updated_at=now,
                    ),
                ]
            )
            session.flush()
            delivered = ping_delivery(hook.id, "msg_seed", now)
            delivered.status, delivered.attempts = "delivered", 1
            session.add(delivered)
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        digest = {"name": "Weekly", "art": ART, "cron": "0 8 * * MON", "recipients": ["a@b.co"]}
        assert httpx.post(f"{server.url}/api/v1/digests", json=digest, headers=admin).is_success
        yield server.url, tokens
    finally:
        server.stop()


def _call(case: Any, served: tuple[str, dict[str, str]], scope: str) -> None:
    url, tokens = served
    case.call_and_validate(
        base_url=url, headers={"Authorization": f"Bearer {tokens[scope]}"}, checks=CHECKS
    )


@schema.parametrize()
@SETTINGS
def test_every_operation_with_a_read_token(case: Any, served: tuple[str, dict[str, str]]) -> None:
    _call(case, served, "read")


@schema.parametrize()
@SETTINGS
def test_every_operation_with_an_admin_token(case: Any, served: tuple[str, dict[str, str]]) -> None:
    _call(case, served, "admin")
