"""Deliver webhooks: signed per Standard Webhooks, at least once, retried with backoff.

Every attempt is logged (status, latency, a snippet of the answer). Retries follow a schedule
of about a day with jitter; an endpoint failing for a long run of attempts is disabled, and a
delivery can be sent again on demand.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from app.outgoing.ssrf import GuardedTransport, url_origin
from art.errors import BadRequest
from art.models import Delivery, DeliveryAttempt, Subscription

log = logging.getLogger(__name__)

# seconds after each failed attempt: ~1 day in all before a delivery is given up
SCHEDULE = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800)
DISABLE_AFTER = 50  # consecutive failed attempts before an endpoint is switched off


@dataclass(frozen=True)
class SenderPolicy:
    """Retry behaviour; tests shrink ``scale`` so a day of retries takes milliseconds."""

    scale: float = 1.0
    timeout: float = 10.0
    allow_private: bool = False
    allow_loopback: bool = False
    jitter: float = 0.2


def signed_headers(secret: str, msg_id: str, at: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
        "content-type": "application/json",
        "user-agent": "Trainyard-Webhooks/1.0",
    }


class DeliveryWorker:
    """Sends due deliveries; one instance per process, called in a loop.

    Its client connects through ``GuardedTransport``: the address a delivery reaches is the
    one checked against the SSRF rules, resolved once per connection."""

    def __init__(self, sessions: sessionmaker[Session], policy: SenderPolicy) -> None:
        self.sessions = sessions
        self.policy = policy
        self.client = httpx.Client(
            transport=GuardedTransport(policy.allow_private, policy.allow_loopback),
            timeout=policy.timeout,
            follow_redirects=False,
        )

    def due(self, limit: int = 100) -> list[tuple[Delivery, Subscription]]:
        now = datetime.now(UTC)
        with self.sessions() as session:
            rows = session.execute(
                select(Delivery, Subscription)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(
                    Delivery.status == "pending",
                    Delivery.next_attempt_at <= now,
                    Subscription.active.is_(True),
                )
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
            )
            return [(d, s) for d, s in rows]

    def run_due(self, stop: Callable[[], bool] = lambda: False) -> int:
        """Attempt every due delivery once, or until ``stop()`` says so; returns how many
        were attempted."""
        attempted = 0
        for delivery, sub in self.due():
            if stop():
                break
            self.attempt(delivery, sub)
            attempted += 1
        return attempted

    def attempt(self, delivery: Delivery, sub: Subscription) -> bool:
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
        now = datetime.now(UTC)
        started = time.perf_counter()
        status_code: int | None = None
        snippet: str | None = None
        error: str | None = None
        try:
            url_origin(sub.url)  # the transport checks the addresses as it connects
            resp = self.client.post(
                sub.url,
                content=body,
                headers=signed_headers(sub.secret, delivery.event_id, now, body),
            )
            status_code, snippet = resp.status_code, resp.text[:500]
        except BadRequest as exc:
            error = f"refused: {exc}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        latency = (time.perf_counter() - started) * 1000
        ok = status_code is not None and 200 <= status_code < 300
        self._record(delivery, sub, ok, now, status_code, latency, snippet, error)
        return ok

    def _record(
        self,
        delivery: Delivery,
        sub: Subscription,
        ok: bool,
        now: datetime,
        status_code: int | None,
        latency: float,
        snippet: str | None,
        error: str | None,
    ) -> None:
        attempts = delivery.attempts + 1
        if ok:
            values = {"status": "delivered", "attempts": attempts, "delivered_at": now}
            failures = 0
        elif attempts > len(SCHEDULE):
            values = {"status": "failed", "attempts": attempts}
            failures = sub.consecutive_failures + 1
        else:
            delay = SCHEDULE[attempts - 1] * self.policy.scale
            delay *= 1 + random.uniform(-self.policy.jitter, self.policy.jitter)
            values = {"attempts": attempts, "next_attempt_at": now + timedelta(seconds=delay)}
            failures = sub.consecutive_failures + 1
        with self.sessions() as session, session.begin():
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    at=now,
                    status_code=status_code,
                    latency_ms=round(latency, 2),
                    response_snippet=snippet,
                    error=error,
                )
            )
            # A redelivery asked for while this attempt was in flight moved next_attempt_at:
            # the attempt still counts, but the delivery stays pending to be sent again.
            claimed = (Delivery.id == delivery.id) & (
                Delivery.next_attempt_at == delivery.next_attempt_at
            )
            result = session.execute(update(Delivery).where(claimed).values(**values))
            if result.rowcount == 0:  # type: ignore[attr-defined]
                session.execute(
                    update(Delivery)
                    .where(Delivery.id == delivery.id)
                    .values(attempts=Delivery.attempts + 1)
                )
            sub_values: dict[str, object] = {"consecutive_failures": failures}
            if failures >= DISABLE_AFTER:
                sub_values.update(active=False, disabled_at=now)
                log.warning("webhook subscription %s disabled after %d failures", sub.id, failures)
            session.execute(
                update(Subscription).where(Subscription.id == sub.id).values(**sub_values)
            )

    def close(self) -> None:
        self.client.close()
