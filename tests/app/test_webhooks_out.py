"""Outgoing webhooks end to end: a real receiver on loopback verifies Standard Webhooks
signatures and sees retries after answering 500 twice; SSRF targets are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from app.main import create_app
from app.outgoing.sender import DeliveryWorker, SenderPolicy
from app.routes.subscriptions import redeliver
from app.settings import Settings
from art.config import TrainyardConfig
from art.models import Delivery, Subscription
from simulators.server import serve
from tests.app.deliveries import pending_delivery
from tests.conftest import bearer


class Receiver:
    """A webhook endpoint that fails the first ``failures`` requests."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            self.requests.append((dict(request.headers), await request.body()))
            return Response(status_code=500 if len(self.requests) <= self.failures else 204)


def wait_for(predicate: object, timeout: float = 45.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


@pytest.fixture
def live(store_url: str, app_config: TrainyardConfig, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=store_url,
        scheduler=False,
        webhook_allow_loopback=True,
        webhook_retry_scale=0.0005,
        data_dir=tmp_path,
    )
    with TestClient(create_app(settings, app_config)) as client:
        yield client


def test_signed_delivery_with_retries(live: TestClient, tokens_live: dict[str, str]) -> None:
    receiver = Receiver(failures=2)
    with serve(receiver.app) as base:
        admin = bearer(tokens_live["admin"])
        sub = live.post(
            "/api/v1/subscriptions",
            headers=admin,
            json={"url": f"{base}/hook", "events": ["objective.changed"]},
        ).json()
        assert sub["secret"].startswith("whsec_")
        made = live.post(
            "/api/v1/arts/Phoenix/pis/PI 26.1/objectives",
            headers=admin,
            json={"team": "Blue", "text": "Ship SSO", "planned_bv": 5},
        ).json()
        wait_for(lambda: len(receiver.requests) >= 3)
    headers, body = receiver.requests[-1]
    payload = Webhook(sub["secret"]).verify(body, headers)
    assert payload["type"] == "objective.changed"
    assert payload["data"]["objective"]["id"] == made["id"]
    # the three attempts carried the same message id (receivers dedupe on it)
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1
    url = f"/api/v1/subscriptions/{sub['id']}/deliveries"
    wait_for(lambda: live.get(url, headers=admin).json()["data"][0]["status"] == "delivered")
    deliveries = live.get(url, headers=admin).json()["data"]
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("delivered", 3)]
    assert [a["status_code"] for a in deliveries[0]["log"]] == [500, 500, 204]
    with pytest.raises(Exception, match="No matching signature found"):
        Webhook("whsec_" + "A" * 32).verify(body, headers)


def test_redeliver_sends_again(live: TestClient, tokens_live: dict[str, str]) -> None:
    receiver = Receiver(failures=0)
    with serve(receiver.app) as base:
        admin = bearer(tokens_live["admin"])
        sub = live.post(
            "/api/v1/subscriptions", headers=admin, json={"url": f"{base}/hook", "events": ["*"]}
        ).json()
        ping = live.post(f"/api/v1/subscriptions/{sub['id']}/test", headers=admin).json()
        wait_for(lambda: len(receiver.requests) == 1)
        live.post(f"/api/v1/deliveries/{ping['delivery_id']}/redeliver", headers=admin)
        wait_for(lambda: len(receiver.requests) == 2)
    assert [Webhook(sub["secret"]).verify(b, h)["type"] for h, b in receiver.requests] == [
        "ping",
        "ping",
    ]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/hook", "loopback address 127.0.0.1"),
        ("http://10.1.2.3/hook", "private address 10.1.2.3"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254, a link-local"),
        ("http://100.100.100.200/latest/meta-data", "100.100.100.200, a cloud metadata address"),
        ("http://[2002:a00:1::]/hook", "2002:a00:1::, a 6to4 address wrapping private address"),
        ("ftp://example.com/x", "url must be an absolute http(s) URL"),
    ],
)
def test_ssrf_targets_are_refused(
    client: TestClient, tokens: dict[str, str], url: str, reason: str
) -> None:
    resp = client.post(
        "/api/v1/subscriptions",
        headers=bearer(tokens["admin"]),
        json={"url": url, "events": ["sync.completed"]},
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["parameter"] == "url"
    assert reason in resp.json()["detail"]


def test_unknown_event_type_is_named(client: TestClient, tokens: dict[str, str]) -> None:
    resp = client.post(
        "/api/v1/subscriptions",
        headers=bearer(tokens["admin"]),
        json={"url": "https://example.com/h", "events": ["item.exploded"]},
    )
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["parameter"] == "events"


def test_dependency_turning_late_is_announced(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tracker change makes a dependency late: the receiver gets dependency.status_changed,
    signed, after answering 500 twice."""
    from app.demo import ENV, jira_source
    from simulators.generator import generate_art
    from simulators.jira import create_jira_simulator, sim_of
    from sync.runner import PullRunner

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    scenario = generate_art(5, 120, teams=3)
    sim_app = create_jira_simulator(
        scenario, users={ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
    )
    receiver = Receiver(failures=2)
    with serve(sim_app) as tracker, serve(receiver.app) as hooks:
        config = TrainyardConfig.model_validate(
            {
                "arts": [{"name": scenario.art, "teams": [{"name": t} for t in scenario.teams]}],
                "sources": [jira_source("jira", tracker, scenario, list(scenario.teams))],
            }
        )
        settings = Settings(
            database_url=store_url,
            scheduler=False,
            data_dir=tmp_path,
            webhook_allow_loopback=True,
            webhook_retry_scale=0.0005,
        )
        with TestClient(create_app(settings, config)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            pull = PullRunner(state.sessions, config, config.source("jira"))
            pull.run()
            state.outgoing.watcher.check_all()  # the snapshot changes are judged on
            admin = _admin_token(client)
            sub = client.post(
                "/api/v1/subscriptions",
                headers=admin,
                json={"url": f"{hooks}/hook", "events": ["dependency.status_changed"]},
            ).json()
            pi = next(p for p in scenario.pis if p.start <= scenario.as_of.date() <= p.end)
            deps = client.get(
                f"/api/v1/arts/{scenario.art}/pis/{pi.name}/dependencies", headers=admin
            ).json()["data"]
            dep = next(
                d
                for d in deps
                if d["status"] in ("at_risk", "on_track")
                and d["provider"]["status_category"] != "done"
            )
            # the provider is moved into an iteration that has already ended, not done
            sim_of(sim_app).change(dep["provider"]["key"], "iteration", pi.iterations[0].name)
            PullRunner(state.sessions, config, config.source("jira")).run()
            edge = (dep["provider"]["key"], dep["consumer"]["key"])

            def announced() -> bool:
                events = [Webhook(sub["secret"]).verify(b, h) for h, b in receiver.requests]
                return any(
                    (
                        e["data"]["dependency"]["provider"]["key"],
                        e["data"]["dependency"]["consumer"]["key"],
                    )
                    == edge
                    and e["data"]["to_status"] == "late"
                    for e in events
                )

            wait_for(announced, timeout=30)

            def retried() -> bool:
                ids = [h["webhook-id"] for h, _ in receiver.requests]
                return all(ids.count(i) >= 2 for i in ids[:2])

            wait_for(retried, timeout=30)
    events = [Webhook(sub["secret"]).verify(b, h) for h, b in receiver.requests]
    late = [
        e
        for e in events
        if (e["data"]["dependency"]["provider"]["key"], e["data"]["dependency"]["consumer"]["key"])
        == edge
    ]
    assert late[-1]["type"] == "dependency.status_changed"
    assert (late[-1]["data"]["from_status"], late[-1]["data"]["to_status"]) == (
        dep["status"],
        "late",
    )
    assert late[-1]["data"]["dependency"]["reason"].startswith(
        f"{dep['provider']['key']} ({dep['provider']['team']}) was planned to finish with "
        f"{pi.iterations[0].name}"
    )
    # the deliveries answered 500 were retried under the same message id (waited for above)


def _admin_token(client: TestClient) -> dict[str, str]:
    from app.tokens import create_token

    state = client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        return bearer(create_token(s, "admin", ["admin"]))


def test_a_redelivery_asked_for_during_an_attempt_is_sent_again(
    sessions: sessionmaker[Session],
) -> None:
    """The receiver answers only after a redelivery was asked for (as the route does it):
    the attempt in flight counts, but must not mark the delivery delivered over the request."""
    receiver = Receiver(failures=0)
    pending_delivery(sessions, "http://placeholder/hook", "msg_race")

    @receiver.app.middleware("http")
    async def redeliver_mid_flight(request: Request, call_next: Any) -> Response:
        if receiver.requests:  # only the first attempt sees a redelivery in flight
            return await call_next(request)  # type: ignore[no-any-return]
        with sessions() as session, session.begin():
            session.execute(
                update(Delivery).values(status="pending", next_attempt_at=datetime.now(UTC))
            )
        return await call_next(request)  # type: ignore[no-any-return]

    with serve(receiver.app) as base:
        with sessions() as session, session.begin():
            session.execute(update(Subscription).values(url=f"{base}/hook"))
        worker = DeliveryWorker(sessions, SenderPolicy(allow_loopback=True))
        try:
            assert worker.run_due() == 1
            with sessions() as session:
                assert session.execute(select(Delivery.status, Delivery.attempts)).one() == (
                    "pending",
                    1,
                )
            assert worker.run_due() == 1
        finally:
            worker.close()
    with sessions() as session:
        assert session.execute(select(Delivery.status, Delivery.attempts)).one() == (
            "delivered",
            2,
        )
    assert len(receiver.requests) == 2


def test_a_worker_sends_only_while_it_holds_the_delivery_lease(
    store_url: str, app_config: TrainyardConfig, tmp_path: Path
) -> None:
    """Two workers on one store: the one holding the lease ``outgoing`` sends, the other
    leaves the delivery to it; the lease is given back after the round."""
    from datetime import timedelta

    from app.outgoing.service import OutgoingService
    from app.tokens import create_token
    from art.models import Lease
    from art.store.lease import release, try_acquire

    settings = Settings(
        database_url=store_url, scheduler=False, webhook_allow_loopback=True, data_dir=tmp_path
    )
    receiver = Receiver(failures=0)
    with (
        serve(receiver.app) as base,
        TestClient(create_app(settings, app_config, with_worker=False)) as web,
    ):
        state = web.app.state.trainyard  # type: ignore[attr-defined]
        with state.sessions() as s, s.begin():
            admin = bearer(create_token(s, "outgoing-admin", ["admin"]))
        sub = web.post(
            "/api/v1/subscriptions", headers=admin, json={"url": f"{base}/hook", "events": ["*"]}
        ).json()
        web.post(f"/api/v1/subscriptions/{sub['id']}/test", headers=admin)
        worker = OutgoingService(state.sessions, settings, state.reports)
        assert try_acquire(state.sessions, "outgoing", "other-worker", timedelta(seconds=60))
        assert worker.deliver() == 0
        assert receiver.requests == []
        release(state.sessions, "outgoing", "other-worker")
        assert worker.deliver() == 1
        assert [Webhook(sub["secret"]).verify(b, h)["type"] for h, b in receiver.requests] == [
            "ping"
        ]
        with state.sessions() as s:
            assert s.get(Lease, "outgoing") is None
        worker.close()


@pytest.mark.parametrize("token", ["demo-jira-token", "wrong-token"])
def test_a_pull_ending_is_announced_naming_the_source_and_its_counts(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    """sync.completed (or sync.failed) names the source, its tracker kind and ART, the run
    as /sync-runs lists it, the mode and what the pull did."""
    from app.demo import ENV, jira_source
    from art.models import OutboxEvent
    from simulators.generator import generate_art
    from simulators.jira import create_jira_simulator
    from sync.runner import PullRunner

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TRAINYARD_DEMO_JIRA_TOKEN", token)
    scenario = generate_art(5, 40, teams=2)
    sim_app = create_jira_simulator(
        scenario, users={ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
    )
    with serve(sim_app) as tracker:
        config = TrainyardConfig.model_validate(
            {
                "arts": [{"name": scenario.art, "teams": [{"name": t} for t in scenario.teams]}],
                "sources": [jira_source("jira", tracker, scenario, list(scenario.teams))],
            }
        )
        settings = Settings(database_url=store_url, scheduler=False, data_dir=tmp_path)
        with TestClient(create_app(settings, config, with_worker=False)) as client:
            state = client.app.state.trainyard  # type: ignore[attr-defined]
            PullRunner(state.sessions, config, config.source("jira")).run()
            with state.sessions() as session:
                (event,) = session.scalars(
                    select(OutboxEvent).where(OutboxEvent.type != "item.changed")
                ).all()
                kind, data = event.type, event.payload["data"]
    named = {"source": "jira", "kind": "jira", "art": scenario.art, "run_id": 1, "mode": "full"}
    if token == "wrong-token":
        assert (kind, data) == (
            "sync.failed",
            {
                **named,
                "status": "failed",
                "fetched": 0,
                "created": 0,
                "updated": 0,
                "deleted": 0,
                "skipped": 0,
                "requests": 0,
                "error": data["error"],
            },
        )
        assert data["error"].startswith("ConnectorAuthError: ")
    else:
        assert (kind, data) == (
            "sync.completed",
            {
                **named,
                "status": "succeeded",
                "fetched": 71,
                "created": 71,
                "updated": 0,
                "deleted": 0,
                "skipped": 0,
                "requests": 9,
                "error": None,
            },
        )


def test_a_redelivery_read_while_an_attempt_ended_still_sends_again(
    sessions: sessionmaker[Session],
) -> None:
    """The route reads the delivery while an attempt is in flight (still "pending"), the
    attempt then marks it delivered, and the route writes after: the delivery is pending
    again, not delivered with a new time (which would never be sent)."""
    delivery, _ = pending_delivery(sessions, "http://placeholder/hook", "msg_late")
    delivery_id = delivery.id
    with sessions() as request:
        read = request.get(Delivery, delivery_id)  # held, as the route holds what it read
        assert read is not None and read.status == "pending"
        with sessions() as attempt, attempt.begin():  # the attempt in flight ends
            attempt.execute(update(Delivery).values(status="delivered", attempts=1))
        redeliver(delivery_id, request)
        request.commit()
    with sessions() as session:
        assert session.execute(select(Delivery.status, Delivery.attempts)).one() == (
            "pending",
            1,
        )
