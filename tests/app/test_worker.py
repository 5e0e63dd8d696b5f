"""The web apart from the worker (issue 13): `trainyard serve` runs no background job, the
worker runs every job under one scheduler, and digests changed through any process are
scheduled by the worker. tests/e2e/test_serve_and_worker.py runs both as real processes."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.demo import ENV, jira_source
from app.digests.service import DigestService
from app.main import create_app
from app.reports.service import ReportService
from app.settings import Settings
from art.config import TrainyardConfig
from art.models import ART, Digest, InboxEvent, SyncRun
from connectors.jira.webhooks import sign
from simulators.generator import generate_art
from sync.structure import apply_config
from tests.app.test_webhooks_in import _jira_body
from tests.sync import fake_connector
from tests.sync.fake_connector import make_items
from tests.sync.test_pull import CONFIG

SECRET = "worker-hook-secret"
SCENARIO = generate_art(3, 30, teams=2)
UNREACHABLE = "http://127.0.0.1:9"  # no tracker: nothing here may call one


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**ENV, "WORKER_HOOK_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)


def _messages(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def test_the_web_alone_runs_no_job_and_leaves_webhooks_to_a_worker(
    env: None, store_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = TrainyardConfig.model_validate(
        {
            "arts": [{"name": SCENARIO.art, "teams": [{"name": t} for t in SCENARIO.teams]}],
            "sources": [
                jira_source(
                    "jira",
                    UNREACHABLE,
                    SCENARIO,
                    list(SCENARIO.teams),
                    webhook_secret_env="WORKER_HOOK_SECRET",
                )
            ],
        }
    )
    caplog.set_level(logging.INFO)
    settings = Settings(database_url=store_url, data_dir=tmp_path, scheduler=True)
    with TestClient(create_app(settings, config, with_worker=False)) as client:
        body = _jira_body("PHX-1", "10001", 1)
        resp = client.post(
            "/hooks/jira/jira",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature": sign(body, SECRET)},
        )
        assert (resp.status_code, resp.json()["status"]) == (202, "pending")
        time.sleep(1.5)  # three inbox polls of a worker, had this process one
        state = client.app.state.trainyard  # type: ignore[attr-defined]
        with state.sessions() as s:
            assert s.scalars(select(InboxEvent.status)).all() == ["pending"]
            assert s.scalars(select(SyncRun.id)).all() == []  # no pull at start either
    assert _messages(caplog, "apscheduler.scheduler") == []  # no scheduler, no job added
    (ready,) = _messages(caplog, "app.main")
    assert ready.startswith("Trainyard web ready on ")
    assert ready.endswith(
        ": HTTP only; pulls, the webhook inbox, deliveries, the event watcher and digests run "
        "in `trainyard worker`"
    )
    assert _messages(caplog, "app.worker") == []


def test_start_runs_every_job_under_one_scheduler_and_pulls_at_once(
    store_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake_connector.SHARED_TRUTH[:] = make_items(4)
    caplog.set_level(logging.INFO)
    settings = Settings(database_url=store_url, data_dir=tmp_path, scheduler=True)
    with TestClient(create_app(settings, CONFIG)) as client:
        state = client.app.state.trainyard  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while True:
            with state.sessions() as s:
                runs = s.scalars(select(SyncRun.status)).all()
            if runs == ["succeeded"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert runs == ["succeeded"]
    started = [m for m in _messages(caplog, "apscheduler.scheduler") if m == "Scheduler started"]
    assert started == ["Scheduler started"]
    began, stopped = _messages(caplog, "app.worker")
    assert began.startswith("Trainyard worker started on ")
    assert began.endswith(
        " with jobs baselines, digests:reload, full:fake, inbox:fake, incremental:fake,"
        " outgoing, reporting, watch"
    )
    assert stopped == "Trainyard worker stopped"


@pytest.fixture
def digests(sessions: sessionmaker[Session]) -> Iterator[tuple[DigestService, int]]:
    """A digest service over CONFIG's store, the id of its ART."""
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
        art_id = s.scalars(select(ART.id)).one()
    yield DigestService(sessions, ReportService(sessions, CONFIG), Settings()), art_id


def _add_digest(sessions: sessionmaker[Session], art_id: int, cron: str) -> int:
    """A digest as another process's web writes it."""
    with sessions() as s, s.begin():
        digest = Digest(
            name="Weekly",
            art_id=art_id,
            cron=cron,
            timezone="Europe/Berlin",
            recipients=["rte@example.com"],
            sections=["flow"],
            active=True,
            created_at=datetime.now(UTC),
        )
        s.add(digest)
        s.flush()
        return digest.id


def _jobs(scheduler: BackgroundScheduler) -> dict[str, str]:
    return {job.id: str(job.trigger) for job in scheduler.get_jobs()}


def test_digests_changed_through_any_process_are_rescheduled(
    sessions: sessionmaker[Session], digests: tuple[DigestService, int]
) -> None:
    service, art_id = digests
    service.reschedule()  # a process without a worker: nothing to schedule, no error
    first = _add_digest(sessions, art_id, "0 8 * * MON")
    scheduler = BackgroundScheduler(timezone="UTC")
    service.schedule(scheduler)
    monday = "cron[month='*', day='*', day_of_week='mon', hour='8', minute='0']"
    assert _jobs(scheduler) == {f"digest:{first}": monday, "digests:reload": "interval[0:00:30]"}
    second = _add_digest(sessions, art_id, "30 7 * * FRI")
    with sessions() as s, s.begin():
        s.execute(update(Digest).where(Digest.id == first).values(active=False))
    service.reschedule()  # what the reload job does every 30 seconds
    friday = "cron[month='*', day='*', day_of_week='fri', hour='7', minute='30']"
    assert _jobs(scheduler) == {
        f"digest:{second}": friday,
        "digests:reload": "interval[0:00:30]",
    }
