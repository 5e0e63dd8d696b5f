"""`trainyard serve` and `trainyard worker` as two real processes on one store.

The Jira simulator runs in the test process. The web process (`trainyard serve`) serves HTTP
only; the worker (`trainyard worker`) pulls the ART as it starts. With the worker stopped
(SIGTERM: it ends cleanly), a webhook posted to the web is stored and answered but stays
pending; a new worker (with no scheduled pulls, so the webhook is the only way in) applies
it, and a report served by the web reflects it. The web's log
shows it ran no scheduler; the workers' logs show theirs. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from app.demo import ENV, jira_source
from app.tokens import create_token
from art.db import make_engine, session_factory
from art.models import WorkItem
from connectors.jira.webhooks import sign
from simulators.generator import generate_art
from simulators.jira import create_jira_simulator, sim_of
from simulators.server import free_port, serve

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-hook-secret"
SCENARIO = generate_art(3, 90, teams=3)
DEADLINE = 180.0  # generous: two cores shared with other test runs


def _toml(value: Any) -> str:
    """``value`` as TOML: strings, numbers, booleans, arrays and inline tables suffice."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"


def _config_file(path: Path, tracker: str) -> Path:
    source = jira_source(
        "jira", tracker, SCENARIO, list(SCENARIO.teams), webhook_secret_env="TRAINYARD_E2E_SECRET"
    )
    lines = [
        "[[arts]]",
        f"name = {_toml(SCENARIO.art)}",
        f"timezone = {_toml(SCENARIO.timezone)}",
        f"teams = {_toml([{'name': t} for t in SCENARIO.teams])}",
        "",
        "[[sources]]",
        *(f"{key} = {_toml(value)}" for key, value in source.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


class Process:
    """One `trainyard` command in a child process; its output kept in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from app.cli import main; main()", *args],
                cwd=log.parent,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.log.read_text()

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then its exit status (killed when it does not end in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.proc.args[3]} did not stop:\n{self.text()}") from None


def _until(what: str, check: Callable[[], bool], *processes: Process) -> None:
    deadline = time.monotonic() + DEADLINE
    while not check():
        for p in processes:
            assert p.proc.poll() is None, f"{p.proc.args[3]} exited:\n{p.text()}"
        assert time.monotonic() < deadline, f"{what} not reached in {DEADLINE:.0f} s"
        time.sleep(0.25)


@contextmanager
def _running(processes: list[Process]) -> Iterator[None]:
    try:
        yield
    finally:
        for p in processes:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()


@contextmanager
def _disposed(engine: Engine) -> Iterator[None]:
    try:
        yield
    finally:
        engine.dispose()


def _webhook(key: str, issue_id: str, stamp: int) -> bytes:
    return json.dumps(
        {
            "timestamp": stamp,
            "webhookEvent": "jira:issue_updated",
            "issue": {"id": issue_id, "key": key, "fields": {}},
            "changelog": {
                "id": str(stamp),
                "items": [{"field": "status", "toString": "In Progress"}],
            },
        }
    ).encode()


def test_serve_and_worker_as_two_processes(store_url: str, tmp_path: Path) -> None:
    sim_app = create_jira_simulator(
        SCENARIO, users={ENV["TRAINYARD_DEMO_JIRA_EMAIL"]: ENV["TRAINYARD_DEMO_JIRA_TOKEN"]}
    )
    engine = make_engine(store_url)
    sessions = session_factory(engine)
    with sessions() as s, s.begin():
        admin = {"Authorization": f"Bearer {create_token(s, 'e2e', ['admin'])}"}
    port = free_port()
    web_url = f"http://127.0.0.1:{port}"
    processes: list[Process] = []
    with (
        _disposed(engine),
        serve(sim_app) as tracker,
        _running(processes),
        httpx.Client(base_url=web_url, headers=admin, timeout=30) as http,
    ):
        env = {
            **os.environ,
            **ENV,
            "PYTHONPATH": str(ROOT),
            "TRAINYARD_CONFIG": str(_config_file(tmp_path / "trainyard.toml", tracker)),
            "TRAINYARD_DATABASE_URL": store_url,
            "TRAINYARD_DATA_DIR": str(tmp_path / "data"),
            "TRAINYARD_E2E_SECRET": SECRET,
        }

        def start(args: list[str], log: str) -> Process:
            processes.append(Process(args, env, tmp_path / log))
            return processes[-1]

        def pulled() -> bool:
            runs = http.get("/api/v1/sync-runs").json()["data"]
            return any(r["status"] == "succeeded" for r in runs)

        def answers() -> bool:
            try:
                return http.get("/healthz").status_code == 200
            except httpx.TransportError:
                return False

        web = start(["serve", "--port", str(port)], "web.log")
        _until("the web answering", answers, web)
        worker = start(["worker"], "worker-1.log")
        _until("the worker's first pull", pulled, web, worker)

        with sessions() as s:
            key, issue_id = s.execute(
                select(WorkItem.key, WorkItem.tracker_id)
                .where(WorkItem.level == "story", WorkItem.status_category == "todo")
                .order_by(WorkItem.key)
            ).first() or ("", "")
        wip = f"/api/v1/arts/{SCENARIO.art}/wip"

        def in_progress() -> list[str]:
            rows = http.get(wip, params={"level": "story"}).json()["data"]
            return [r["key"] for r in rows]

        assert key and key not in in_progress()

        assert worker.stop() == 0  # SIGTERM: the jobs end, the worker exits cleanly
        assert "Trainyard worker stopped" in worker.text()

        sim_of(sim_app).change(key, "status", "In Progress")
        body = _webhook(key, issue_id, 1)
        hook = http.post(
            "/hooks/jira/jira",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature": sign(body, SECRET),
                "X-Atlassian-Webhook-Identifier": "e2e-delivery-1",
            },
        )
        assert (hook.status_code, hook.json()["status"]) == (202, "pending")
        time.sleep(2.0)  # four inbox polls of a worker, had the web one
        inbox = http.get("/api/v1/inbox").json()["data"]
        assert [(e["delivery_id"], e["status"]) for e in inbox] == [("e2e-delivery-1", "pending")]

        # no scheduled pulls in this one: the change can reach the store through the webhook only
        again = start(["worker", "--no-scheduler"], "worker-2.log")

        def applied() -> bool:
            items = http.get("/api/v1/items", params={"key": key}).json()["data"]
            return [i["status_category"] for i in items] == ["active"]

        _until("the webhook applied", applied, web, again)
        inbox = http.get("/api/v1/inbox").json()["data"]
        assert [(e["delivery_id"], e["status"]) for e in inbox] == [("e2e-delivery-1", "applied")]
        assert key in in_progress()  # the report the web serves shows the change

    web_log, workers = web.text(), [p.text() for p in processes[1:]]
    assert "Trainyard web ready" in web_log and "HTTP only" in web_log
    assert "Scheduler started" not in web_log  # APScheduler's own line: the web started none
    assert "Trainyard worker started" not in web_log
    for log in workers:
        assert "Scheduler started" in log
    every_job = (
        "baselines, digests:reload, full:jira, inbox:jira, incremental:jira, outgoing, reporting,"
        " watch"
    )
    assert f"with jobs {every_job}\n" in workers[0]
    assert "with jobs inbox:jira, outgoing, watch\n" in workers[1]


def test_start_runs_the_demo_in_one_process(tmp_path: Path) -> None:
    """`trainyard start` (what `make run` runs), with no configuration file: the demo
    trackers, the web and the worker in one process, which pulls both demo sources."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TRAINYARD_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "TRAINYARD_DATA_DIR": str(tmp_path / "data"),
        "TRAINYARD_PORT": str(port),
        "TRAINYARD_DEMO_ITEMS": "60",
    }
    env.pop("TRAINYARD_CONFIG", None)
    demo = Process(["start"], env, tmp_path / "start.log")
    with _running([demo]):
        _until("the admin token printed", lambda: "Admin token: " in demo.text(), demo)
        (line,) = [x for x in demo.text().splitlines() if x.startswith("Admin token: ")]
        admin = {"Authorization": f"Bearer {line.split()[2]}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=admin, timeout=30) as http:

            def pulled() -> bool:
                try:
                    runs = http.get("/api/v1/sync-runs").json()["data"]
                except httpx.TransportError:
                    return False
                done = {(r["source"], r["mode"], r["status"]) for r in runs}
                return done >= {
                    ("demo-jira", "full", "succeeded"),
                    ("demo-ado", "full", "succeeded"),
                }

            _until("both demo sources pulled", pulled, demo)
            arts = http.get("/api/v1/arts").json()["data"]
        # uvicorn shuts down cleanly on SIGTERM, then ends by the signal it caught
        assert demo.stop() in (0, -signal.SIGTERM)
    assert len(arts) == 1
    log = demo.text()
    assert "Trainyard ready on " in log and ", with the worker in this process" in log
    assert "first-pull:demo-ado, first-pull:demo-jira, full:demo-ado" in log
    assert "Trainyard worker stopped" in log
