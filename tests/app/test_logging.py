"""The operator's log lines (issue 14): the ready line, one line per sync run, per webhook
group drained and per digest sent, and TRAINYARD_LOG_FORMAT=json giving one object a line."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.logging_setup import HANDLER, configure_logging
from app.main import create_app
from app.settings import Settings
from art.models import SyncRun
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator
from simulators.server import serve
from sync.apply import BatchApplier
from sync.inbox import InboxWorker, receive
from sync.runner import PullRunner, source_row
from sync.structure import apply_config
from tests.sync.fake_connector import FakeConnector, make_items
from tests.sync.test_inbox import _body
from tests.sync.test_pull import CONFIG

SECONDS = r"\d+\.\d\d s"


def _lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


@pytest.fixture
def ready(sessions: sessionmaker[Session]) -> tuple[sessionmaker[Session], int, int]:
    with sessions() as s, s.begin():
        apply_config(s, CONFIG)
        row = source_row(s, "fake")
        assert row.art_id is not None
        return sessions, row.id, row.art_id


def test_the_ready_line_names_url_database_sources_and_arts(
    store_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = Settings(database_url=store_url, data_dir=tmp_path, port=8123, scheduler=False)
    with TestClient(create_app(settings, CONFIG, with_worker=False)):
        pass
    shown = make_url(store_url).render_as_string(hide_password=True)
    assert _lines(caplog, "app.main") == [
        "Trainyard web ready on http://127.0.0.1:8123 (console http://127.0.0.1:8123/, API "
        f"http://127.0.0.1:8123/docs; database {shown}; sources fake (fake); "
        "ARTs Phoenix): HTTP only; pulls, the webhook inbox, deliveries, the event watcher "
        "and digests run in `trainyard worker`"
    ]


def test_one_line_per_sync_run_and_the_first_pull_is_full(
    ready: tuple[sessionmaker[Session], int, int], caplog: pytest.LogCaptureFixture
) -> None:
    sessions = ready[0]
    caplog.set_level(logging.INFO)
    conn = FakeConnector(make_items(10), page=3)
    runner = PullRunner(sessions, CONFIG, CONFIG.source("fake"), connector=conn)
    runner.run(full=False)  # an incremental trigger, but there is no watermark yet
    runner.run(full=False)
    first, second = _lines(caplog, "sync.runner")
    assert re.fullmatch(
        r"sync of fake \(full\) succeeded; fetched 10, created 10, updated 0, deleted 0, "
        rf"skipped 0, requests 4, {SECONDS}",
        first,
    ), first
    assert re.fullmatch(
        r"sync of fake \(incremental\) succeeded; fetched 0, created 0, updated 0, deleted 0, "
        rf"skipped 0, requests 1, {SECONDS}",
        second,
    ), second
    record = next(r for r in caplog.records if r.name == "sync.runner")
    extra = {k: getattr(record, k) for k in ("source", "mode", "outcome", "counts")}
    assert extra == {
        "source": "fake",
        "mode": "full",
        "outcome": "succeeded",
        "counts": {
            **{"fetched": 10, "created": 10, "updated": 0, "deleted": 0},
            **{"skipped": 0, "requests": 4},
        },
    }
    with sessions() as s:
        assert s.scalars(select(SyncRun.mode).order_by(SyncRun.id)).all() == [
            "full",
            "incremental",
        ]


def test_one_line_per_webhook_group_drained(
    ready: tuple[sessionmaker[Session], int, int], caplog: pytest.LogCaptureFixture
) -> None:
    sessions, source_id, art_id = ready
    caplog.set_level(logging.INFO)
    conn = FakeConnector(make_items(3))
    for delivery, key in (("d-1", "PHX-1"), ("d-2", "PHX-2"), ("d-bad", None)):
        receive(sessions, source_id, conn, {}, _body(delivery, key))
    receive(sessions, source_id, conn, {}, _body("d-1b", "PHX-1"))  # same revision again
    worker = InboxWorker(sessions, source_id, BatchApplier(source_id, art_id, None), lambda: conn)
    assert worker.process_pending() == 3
    assert worker.process_pending() == 0  # nothing drained: no line
    (line,) = _lines(caplog, "sync.inbox")
    assert re.fullmatch(
        rf"webhooks of fake: 3 events, 2 applied, 0 failed, 0 ignored, 1 duplicate in {SECONDS}",
        line,
    ), line


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    for handler in [h for h in root.handlers if h.get_name() == HANDLER]:
        root.removeHandler(handler)
    root.setLevel(level)


def test_json_format_writes_one_object_a_line(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("json")
    log = logging.getLogger("sync.runner")
    log.info("sync of %s done", "jira", extra={"source": "jira", "seconds": 1.5})
    try:
        raise ValueError("tracker said no")
    except ValueError:
        log.exception("pull failed")
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", first.pop("time"))
    assert first == {
        "level": "INFO",
        "logger": "sync.runner",
        "message": "sync of jira done",
        "source": "jira",
        "seconds": 1.5,
    }
    assert (second["level"], second["message"]) == ("ERROR", "pull failed")
    assert second["error"].endswith("ValueError: tracker said no")


def test_text_format_is_the_default(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings().log_format)
    configure_logging(Settings().log_format)  # twice: still one line per record
    logging.getLogger("app.main").info("hello %s", "there")
    (line,) = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"\S+ \S+ INFO app\.main: hello there", line), line


def test_the_access_log_survives_the_demo_simulators_and_leaves_theirs_out(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("text")
    access = logging.getLogger("uvicorn.access")
    with serve(create_jira_simulator(generate_art(1, 5, 1))) as url:  # as the demo does
        assert httpx.get(f"{url}/rest/api/2/serverInfo").status_code in (200, 401)
        assert (access.propagate, access.handlers) == (True, [])  # left alone
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/v1/arts", "1.1", 401)
    (line,) = capsys.readouterr().err.splitlines()  # the simulator's request is not logged
    assert line.endswith(' INFO uvicorn.access: 127.0.0.1:5000 - "GET /api/v1/arts HTTP/1.1" 401')


def test_the_schedulers_job_bookkeeping_is_left_out(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("text")
    scheduler = logging.getLogger("apscheduler.scheduler")
    scheduler.info(
        "Adding job tentatively -- it will be properly scheduled when the scheduler starts"
    )
    scheduler.info('Added job "%s" to job store "%s"', "SyncService.pull", "default")
    scheduler.info("Removed job %s", "first-pull:demo-jira")
    scheduler.info("Scheduler started")
    scheduler.warning('Run time of job "%s" was missed by %s', "SyncService.pull", "0:00:03")
    lines = [line.split(" ", 2)[2] for line in capsys.readouterr().err.splitlines()]
    assert lines == [
        "INFO apscheduler.scheduler: Scheduler started",
        'WARNING apscheduler.scheduler: Run time of job "SyncService.pull" was missed by 0:00:03',
    ]
