"""``GET /metrics``: Prometheus text read from the store at scrape time.

Reading the store (not process counters) makes every replica report the same truth, so
scraping any one of them is enough.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy.orm import Session, sessionmaker

from app.deps import StateDep
from art import health_queries as q

router = APIRouter(tags=["service"])


class StoreCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            items = GaugeMetricFamily(
                "trainyard_items", "Work items stored (not deleted)", labels=["art"]
            )
            for art, n in q.items_by_art(session).items():
                items.add_metric([art], n)
            yield items
            runs = GaugeMetricFamily(
                "trainyard_sync_runs", "Sync runs by source and status", labels=["source", "status"]
            )
            for (src, status), n in q.sync_runs_by_status(session).items():
                runs.add_metric([src, status], n)
            yield runs
            age = GaugeMetricFamily(
                "trainyard_sync_last_success_age_seconds",
                "Seconds since the source's last successful pull",
                labels=["source"],
            )
            for src, seconds in q.last_success_age(session).items():
                age.add_metric([src], seconds)
            yield age
            pending, lag = q.inbox_lag(session)
            yield GaugeMetricFamily(
                "trainyard_webhook_inbox_pending",
                "Webhook events stored, not yet applied",
                value=pending,
            )
            yield GaugeMetricFamily(
                "trainyard_webhook_lag_seconds",
                "Age of the oldest unapplied webhook event",
                value=lag,
            )
            inbox = GaugeMetricFamily(
                "trainyard_webhook_events", "Webhook events by status", labels=["status"]
            )
            for status, n in q.inbox_by_status(session).items():
                inbox.add_metric([status], n)
            yield inbox
            out = GaugeMetricFamily(
                "trainyard_deliveries", "Outgoing deliveries by status", labels=["status"]
            )
            for status, n in q.deliveries_by_status(session).items():
                out.add_metric([status], n)
            yield out


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def metrics(state: StateDep) -> Response:
    """Prometheus metrics: sync runs, items, webhook lag, deliveries."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(state.sessions))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
