"""Webhook burst: N signed Jira deliveries posted to the running service, receipt to visible.

Before the burst, N distinct stories change status in the simulated Jira (as a person would
move them); then one delivery per story is posted, as Jira sends them (``X-Hub-Signature``,
``X-Atlassian-Webhook-Identifier``), by a few concurrent senders. The service stores each one
and answers 202; its inbox worker fetches the issue from the simulator and applies it. A
poller watches the store for each story's new status; the latency of a delivery is from its
202 to the first poll that sees the new status. The items API (``updated_since``) is read at
the end to check every change is visible there too. Given a ``rate``, the deliveries are paced
(as a steady stream of tracker changes) instead of posted as fast as the senders go.
"""

from __future__ import annotations

import itertools
import json
import queue
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import select

from art.db import make_engine, session_factory
from art.models import WorkItem
from bench.procs import HOOK_SECRET, Simulator
from bench.table import percentile
from connectors.jira.webhooks import sign

NEXT_STATUS = {
    "To Do": "In Progress",
    "In Progress": "In Review",
    "In Review": "Done",
    "Blocked": "In Progress",
    "Done": "In Progress",
    "Won't Do": "To Do",
}


def _body(key: str, issue_id: str, stamp: int, status: str) -> bytes:
    return json.dumps(
        {
            "timestamp": stamp,
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "issue": {"id": issue_id, "key": key, "fields": {}},
            "changelog": {"id": str(stamp), "items": [{"field": "status", "toString": status}]},
        }
    ).encode()


def _post(client: httpx.Client, source: str, body: bytes, delivery: str) -> httpx.Response:
    return client.post(
        f"/hooks/jira/{source}",
        content=body,
        headers={
            "Content-Type": "application/json; charset=UTF-8",
            "X-Hub-Signature": sign(body, HOOK_SECRET),
            "X-Atlassian-Webhook-Identifier": delivery,
        },
    )


class Burst:
    """Bursts of deliveries against one running service and its store."""

    def __init__(
        self, sim: Simulator, service_url: str, db_url: str, token: str, source: str
    ) -> None:
        self.sim, self.url, self.source = sim, service_url, source
        self.auth = {"Authorization": f"Bearer {token}"}
        self.engine = make_engine(db_url)
        self.sessions = session_factory(self.engine)
        self._round = 0

    def close(self) -> None:
        self.engine.dispose()

    def _stories(self) -> list[tuple[str, str, str]]:
        with self.sessions() as s:
            return [
                (k, i, st)
                for k, i, st in s.execute(
                    select(WorkItem.key, WorkItem.tracker_id, WorkItem.status)
                    .where(WorkItem.level == "story", WorkItem.deleted.is_(False))
                    .order_by(WorkItem.key)
                )
                if i is not None and st in NEXT_STATUS
            ]

    def _visible(self, since: datetime, wanted: dict[str, str]) -> set[str]:
        with self.sessions() as s:
            rows = s.execute(  # by key: a pull running beside may re-sync every item
                select(WorkItem.key, WorkItem.status).where(
                    WorkItem.synced_at >= since, WorkItem.key.in_(list(wanted))
                )
            )
            return {k for k, st in rows if wanted.get(k) == st}

    def warm_up(self) -> None:
        """One delivery applied before any measurement: the worker's connector is then warm.
        Then one report, which returns once the service has loaded the ART: the bursts measure
        a running service, not one still doing its start-up load (its event watcher loads
        the ART at start, seconds to tens of seconds at 200k items)."""
        result = self.run(1, senders=1, stall=30)
        if result["visible"] != 1:
            why = result["failures"][0] if result["failures"] else "accepted, never applied"
            raise RuntimeError(f"the warm-up delivery did not go through: {why}")
        art = quote(self.sim.config()["arts"][0]["name"], safe="")
        with httpx.Client(base_url=self.url, timeout=900, headers=self.auth) as client:
            client.get(f"/api/v1/arts/{art}/flow").raise_for_status()

    def run(
        self, events: int, senders: int = 8, stall: float = 60, rate: float | None = None
    ) -> dict[str, Any]:
        """One burst of ``events`` deliveries; latencies in seconds, counts, durations.

        ``rate``: deliveries per second at most (the n-th is posted no earlier than n/rate
        seconds after the first). Waits until every accepted delivery is visible, or
        ``stall`` seconds pass without any becoming visible."""
        self._round += 1
        stories = self._stories()
        rng = random.Random(self._round)
        picked = rng.sample(stories, min(events, len(stories)))
        wanted = {key: NEXT_STATUS[status] for key, _, status in picked}
        since = datetime.now(UTC) - timedelta(seconds=1)
        self.sim.ask("set_status", sorted(wanted.items()))
        jobs: queue.Queue[tuple[str, str]] = queue.Queue()
        for key, issue_id, _ in picked:
            jobs.put((key, issue_id))
        acked: dict[str, float] = {}
        seen: dict[str, float] = {}
        failures: list[str] = []
        posted_all = threading.Event()
        stamps = itertools.count(int(time.time() * 1000))  # Jira's epoch-millisecond stamps
        turns = itertools.count()

        def send() -> None:
            with httpx.Client(base_url=self.url, timeout=60) as client:
                while True:
                    try:
                        key, issue_id = jobs.get_nowait()
                    except queue.Empty:
                        return
                    if rate:
                        time.sleep(max(0.0, start + next(turns) / rate - time.perf_counter()))
                    body = _body(key, issue_id, next(stamps), wanted[key])
                    delivery = f"bench-{self._round}-{key}"
                    try:
                        resp = _post(client, self.source, body, delivery)
                    except httpx.HTTPError as exc:
                        failures.append(f"{key}: {exc}")
                        continue
                    if resp.status_code == 202:
                        acked[key] = time.perf_counter()
                    else:
                        failures.append(f"{key}: HTTP {resp.status_code} {resp.text[:300]}")

        def watch() -> None:
            progress = time.perf_counter()
            while True:
                now = time.perf_counter()
                new = self._visible(since, wanted) - seen.keys()
                for key in new:
                    seen[key] = now
                if new:
                    progress = now
                if posted_all.is_set() and acked.keys() <= seen.keys():
                    return
                if now - progress > stall:
                    return
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, name="webhook-watcher", daemon=True)
        watcher.start()
        start = time.perf_counter()
        threads = [threading.Thread(target=send, daemon=True) for _ in range(max(1, senders))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        posted = time.perf_counter() - start
        posted_all.set()
        watcher.join()
        drained = time.perf_counter() - start
        latencies = sorted(max(0.0, seen[k] - acked[k]) for k in acked if k in seen)
        api_visible = self._api_visible(since, wanted)
        return {
            "events": len(wanted),
            "accepted": len(acked),
            "visible": len(seen),
            "api_visible": api_visible,
            "failures": failures[:5],
            "post_seconds": posted,
            "drain_seconds": drained,
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "max": latencies[-1] if latencies else None,
        }

    def _api_visible(self, since: datetime, wanted: dict[str, str]) -> int:
        """How many of the changes GET /api/v1/items?updated_since=... shows."""
        found: dict[str, str] = {}
        params: dict[str, Any] = {"updated_since": since.isoformat(), "limit": 1000}
        with httpx.Client(base_url=self.url, timeout=60, headers=self.auth) as client:
            while True:
                resp = client.get("/api/v1/items", params=params)
                resp.raise_for_status()
                page = resp.json()
                found.update((i["key"], i["status"]) for i in page["data"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
                params["cursor"] = cursor
        return sum(1 for k, st in wanted.items() if found.get(k) == st)
