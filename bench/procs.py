"""Processes of the benchmark: tracker simulators, the service under test, fresh pullers.

Every party runs in its own process so that the client, the server and the simulator never
share one GIL: a simulator child (``Simulator``) generates the ART and serves it in Jira's or
Azure DevOps' wire format; the service child (``Service``) runs uvicorn with the real app and
its inbox worker; ``in_fresh_process`` runs one function in a new process (a pull, whose peak
RSS is then the pull's own). Stores are fresh SQLite files copied from a migrated template
and fresh PostgreSQL databases cloned from a migrated template database.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing as mp
import os
import random
import resource
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx

from app.demo import ADO_PAT, ENV, JIRA_EMAIL, JIRA_TOKEN, ado_source, jira_source
from simulators.scenario import Scenario

Tracker = Literal["jira", "ado"]
StoreKind = Literal["sqlite", "postgres"]
T = TypeVar("T")

CTX = mp.get_context("spawn")
ADO_ORG = "bench"
HOOK_SECRET = "bench-hook-secret"
HOOK_SECRET_ENV = "TRAINYARD_BENCH_HOOK_SECRET"
SECRETS = {**ENV, HOOK_SECRET_ENV: HOOK_SECRET}
PG_URL = (
    os.environ.get("TRAINYARD_BENCH_POSTGRES_URL")
    or os.environ.get("TRAINYARD_TEST_POSTGRES_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far: Linux's ``VmHWM``, the high-water mark
    of the process's own memory. Not ``ru_maxrss``: Linux carries it over a fork and an exec,
    so a spawned job would report its parent's size at the fork whenever that is larger
    (the bench's parent, holding a generated ART, made every pull "peak" at its own size)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # elsewhere: the upper bound


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of ``pid`` (default: this process) from /proc."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_fresh_process(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a newly spawned process (its imports and peak RSS are its own)."""
    with ProcessPoolExecutor(1, mp_context=CTX, max_tasks_per_child=1) as pool:
        return pool.submit(fn, *args).result()


def worker_pool() -> ProcessPoolExecutor:
    """One spawned worker process kept for several jobs (incremental pulls, metrics)."""
    return ProcessPoolExecutor(1, mp_context=CTX)


# -- the scenario and the configuration pointing at a simulator -----------------------------
def outline(scenario: Scenario) -> Scenario:
    """The scenario without its items: what a configuration needs, cheap to pickle."""
    return dataclasses.replace(scenario, items=[], links=[], objectives=[], risks=[])


def bench_config(tracker: Tracker, url: str, scenario: Scenario) -> dict[str, Any]:
    """The configuration (as a dict, to cross process boundaries) of one source and its ART."""
    teams = list(scenario.teams)
    if tracker == "jira":
        source = jira_source("bench-jira", url, scenario, teams, webhook_secret_env=HOOK_SECRET_ENV)
    else:
        source = ado_source("bench-ado", url, ADO_ORG, scenario, teams)
    return {
        "arts": [
            {
                "name": scenario.art,
                "timezone": scenario.timezone,
                "teams": [{"name": t} for t in teams],
                "pis": [
                    {"name": p.name, "start": p.start.isoformat(), "end": p.end.isoformat()}
                    for p in scenario.pis
                ],
            }
        ],
        "sources": [source],
    }


# -- simulators ---------------------------------------------------------------------------
@dataclass(frozen=True)
class WireCall:
    """One request as the simulator received it, to be replayed by the bare download loop."""

    method: str
    target: str  # raw path and query string
    headers: list[tuple[str, str]]
    body: bytes
    status: int
    size: int  # response body bytes


_SKIP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


class Recorder:
    """ASGI middleware noting every request (while ``enabled``) with its status and size."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.enabled = False
        self.calls: list[WireCall] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.enabled:
            await self.app(scope, receive, send)
            return
        body: list[bytes] = []
        answer = {"status": 0, "size": 0}

        async def tap_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def tap_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["size"] += len(message.get("body", b""))
            await send(message)

        await self.app(scope, tap_receive, tap_send)
        target = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in scope["headers"]
            if k.decode("latin-1").lower() not in _SKIP_HEADERS
        ]
        self.calls.append(
            WireCall(
                scope["method"], target, headers, b"".join(body), answer["status"], answer["size"]
            )
        )


def _ado_mutate(app: Any, scenario: Scenario, fraction: float, seed: int) -> list[str]:
    from simulators.azure_devops import ado_world

    world = ado_world(app)
    rng = random.Random(seed)
    live = sorted(i.key for i in scenario.items if not i.deleted)
    picked = sorted(rng.sample(live, max(1, round(len(live) * fraction))))
    for key in picked:
        world.mutate(
            key, status=rng.choice(list(scenario.statuses)), points=rng.choice((1, 2, 3, 5, 8))
        )
    return picked


def _simulator_main(
    pipe: Connection, tracker: Tracker, seed: int, items: int, teams: int, today: date
) -> None:
    """Child process: generate the ART, serve it, obey the parent's commands."""
    from simulators.generator import generate_art
    from simulators.server import BackgroundServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    started = time.perf_counter()
    scenario = generate_art(seed, items, teams, today)
    if tracker == "jira":
        from simulators.jira import create_jira_simulator, sim_of

        app = create_jira_simulator(scenario, users={JIRA_EMAIL: JIRA_TOKEN})
    else:
        from simulators.azure_devops import ado_world, create_ado_simulator

        app = create_ado_simulator(scenario, org=ADO_ORG, project=scenario.art, pat=ADO_PAT)
    recorder = Recorder(app)
    server = BackgroundServer(recorder).start()
    generated = time.perf_counter() - started
    pipe.send((server.url, outline(scenario), generated))
    while True:
        command, arg = pipe.recv()
        if command == "record":
            recorder.enabled, recorder.calls = bool(arg), []
            pipe.send(None)
        elif command == "recorded":
            pipe.send(recorder.calls)
            recorder.enabled, recorder.calls = False, []
        elif command == "mutate":  # (fraction, seed, at or None): returns the changed keys
            fraction, mseed, at = arg
            if tracker == "jira":
                pipe.send(sim_of(app).mutate(fraction=fraction, seed=mseed, at=at))
            else:
                pipe.send(_ado_mutate(app, scenario, fraction, mseed))
        elif command == "set_status":  # [(key, status)]: changed now, as the tracker would
            for key, status in arg:
                if tracker == "jira":
                    sim_of(app).change(key, "status", status)
                else:
                    ado_world(app).mutate(key, status=status)
            pipe.send(len(arg))
        else:
            server.stop()
            pipe.send(None)
            return


class Simulator:
    """A tracker simulator in a child process: ``url``, ``scenario`` (without items), ``ask``."""

    def __init__(self, tracker: Tracker, seed: int, items: int, teams: int, today: date) -> None:
        self.tracker = tracker
        self._pipe, child = CTX.Pipe()
        self._proc: BaseProcess = CTX.Process(
            target=_simulator_main,
            args=(child, tracker, seed, items, teams, today),
            daemon=True,
            name=f"{tracker}-simulator",
        )
        self.url = ""
        self.scenario: Scenario | None = None
        self.generate_seconds = 0.0

    def __enter__(self) -> Simulator:
        self._proc.start()
        self.url, self.scenario, self.generate_seconds = self._pipe.recv()
        return self

    def ask(self, command: str, arg: Any = None) -> Any:
        self._pipe.send((command, arg))
        return self._pipe.recv()

    def config(self) -> dict[str, Any]:
        assert self.scenario is not None
        return bench_config(self.tracker, self.url, self.scenario)

    def __exit__(self, *_: object) -> None:
        try:
            if self._proc.is_alive():
                self.ask("stop")
        except (EOFError, BrokenPipeError, OSError):
            pass
        self._proc.join(timeout=15)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)


def now_plus(minutes: float) -> datetime:
    """A time ``minutes`` from now (UTC): where a round of tracker changes is placed."""
    return datetime.fromtimestamp(time.time() + 60 * minutes, UTC)


# -- stores -------------------------------------------------------------------------------
@dataclass
class Stores:
    """Fresh, migrated stores on demand; everything made is removed by ``close``."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="trainyard-bench-")))
    pg_url: str = PG_URL
    _sqlite_template: Path | None = None
    _pg_template: str | None = None
    _pg_databases: list[str] = field(default_factory=list)
    _pg_ok: bool | None = None

    def __post_init__(self) -> None:
        atexit.register(self.close)

    def postgres_available(self) -> bool:
        if self._pg_ok is None:
            from sqlalchemy import create_engine, text

            try:
                engine = create_engine(self.pg_url, connect_args={"connect_timeout": 3})
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                engine.dispose()
                self._pg_ok = True
            except Exception:
                self._pg_ok = False
        return self._pg_ok

    def fresh(self, kind: StoreKind) -> str:
        """The URL of a new, empty, migrated store."""
        return self._sqlite() if kind == "sqlite" else self._postgres()

    def _sqlite(self) -> str:
        from art.db import upgrade

        if self._sqlite_template is None:
            self._sqlite_template = self.root / "template.sqlite"
            upgrade(f"sqlite:///{self._sqlite_template}")
        path = self.root / f"store-{uuid.uuid4().hex[:10]}.sqlite"
        shutil.copyfile(self._sqlite_template, path)
        return f"sqlite:///{path}"

    def _admin(self) -> Any:
        from sqlalchemy import create_engine

        return create_engine(self.pg_url, isolation_level="AUTOCOMMIT")

    def _postgres(self) -> str:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from art.db import upgrade

        base = make_url(self.pg_url)
        admin = self._admin()
        try:
            with admin.connect() as conn:
                if self._pg_template is None:
                    name = f"trainyard_bench_tpl_{os.getpid()}"
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                    self._pg_databases.append(name)
                    upgrade(base.set(database=name).render_as_string(hide_password=False))
                    self._pg_template = name
                name = f"trainyard_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"'))
                self._pg_databases.insert(0, name)
        finally:
            admin.dispose()
        return base.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Remove one store made here (a file, or a database)."""
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        if name not in self._pg_databases:
            return
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self._pg_databases.remove(name)

    def close(self) -> None:
        if self._pg_databases:
            from sqlalchemy import text

            admin = self._admin()
            try:
                with admin.connect() as conn:
                    for name in list(self._pg_databases):
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception:  # best effort at exit
                pass
            finally:
                admin.dispose()
            self._pg_databases.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def last_finished_pi(scenario: Any) -> tuple[str, date, date]:
    """(name, first day, last day) of the scenario's last PI ended before its as-of day (the
    first PI when none has ended): the PI the reports of a bench are asked for."""
    today = scenario.as_of.date()
    done = [p for p in scenario.pis if p.end < today]
    pi = done[-1] if done else scenario.pis[0]
    return pi.name, pi.start, pi.end


# -- the service under test ---------------------------------------------------------------
def _settings(db_url: str, data_dir: str, port: int = 0) -> Any:
    """The settings of the bench's service and worker processes (no scheduled jobs)."""
    from app.settings import Settings

    return Settings(
        database_url=db_url,
        scheduler=False,
        data_dir=Path(data_dir),
        host="127.0.0.1",
        port=port,
    )


def _service_main(
    db_url: str, config: dict[str, Any], port: int, data_dir: str, with_worker: bool = True
) -> None:
    """Child process: the real app on uvicorn, as ``trainyard start`` (scheduler off; the
    inbox worker runs) or, without the worker, as ``trainyard serve``."""
    import logging

    import uvicorn

    from app.main import create_app
    from art.config import TrainyardConfig

    os.environ.update(SECRETS)
    logging.basicConfig(level=logging.WARNING)
    settings = _settings(db_url, data_dir, port)
    app = create_app(settings, TrainyardConfig.model_validate(config), with_worker=with_worker)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _worker_main(db_url: str, config: dict[str, Any], data_dir: str) -> None:
    """Child process: ``trainyard worker --no-scheduler`` (applies webhooks, sends events)."""
    import logging

    from app.worker import run_worker
    from art.config import TrainyardConfig

    os.environ.update(SECRETS)
    logging.basicConfig(level=logging.WARNING)
    run_worker(_settings(db_url, data_dir), TrainyardConfig.model_validate(config))


class WorkerProcess:
    """``trainyard worker`` in a child process, beside a Service without its own worker."""

    def __init__(self, db_url: str, config: dict[str, Any], data_dir: Path) -> None:
        self._proc = CTX.Process(
            target=_worker_main,
            args=(db_url, config, str(data_dir)),
            daemon=True,
            name="trainyard-worker",
        )

    def __enter__(self) -> WorkerProcess:
        self._proc.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._proc.is_alive():
            self._proc.terminate()  # SIGTERM: the worker ends its jobs
            self._proc.join(timeout=20)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)


class Service:
    """Trainyard on uvicorn in a child process, on a free loopback port."""

    def __init__(
        self, db_url: str, config: dict[str, Any], data_dir: Path, with_worker: bool = True
    ) -> None:
        from simulators.server import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self._proc = CTX.Process(
            target=_service_main,
            args=(db_url, config, self.port, str(data_dir), with_worker),
            daemon=True,
            name="trainyard-service",
        )

    @property
    def pid(self) -> int:
        assert self._proc.pid is not None
        return self._proc.pid

    def __enter__(self) -> Service:
        self._proc.start()
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if not self._proc.is_alive() or time.monotonic() > deadline:
                self._proc.kill()
                raise RuntimeError(f"the service on {self.url} did not start")
            time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        if self._proc.is_alive():
            self._proc.terminate()  # SIGTERM: uvicorn shuts down, the lifespan stops workers
            self._proc.join(timeout=20)
        if self._proc.is_alive():
            self._proc.kill()
            self._proc.join(timeout=5)
