"""Steady under load: reads while data arrives (section ``steady``, issue 18 item 4).

A generated ART (``--steady-items``, 50,000 by default) is pulled into a fresh PostgreSQL
database; the service runs in its own process over it. The readers first run alone for 5 s
(the reference: the same reads with no data arriving); then, for ``--steady-seconds`` (20 s):

- ``readers`` (20) client threads call a rotation of reports and lists (bench/api_load.py
  ``hammer``): predictability and dependencies of the last finished PI, flow, CFD, aging,
  ``items?limit=1000``; every report at its default as-of, as the console reads them;
- the service pulls the source (``POST /sources/{source}/sync``, full first, incremental once
  a pull ends; a share of the tracker's items is changed first, so the pull writes new data
  versions), in the service process as ``trainyard start`` does;
- webhooks arrive at ``rate`` (10) per second (bench/webhooks.py ``Burst``, paced);
- a watcher reads the ART's ``data_version`` every 0.1 s (the versions the readers could see).

The service process counts, per data version, the report bodies it computed and the ART
loads (full or refresh) it made: the app's /metrics does not expose its report cache, so the
bench wraps the ReportService of its own service process (the app code is unchanged). With
``profile``, a second window of the same load runs with a sampling profiler in the service
(every thread's stack every 10 ms): the functions readers spend their time in.

PostgreSQL only (the issue's scenario); when it does not answer, one row says so.
"""

from __future__ import annotations

import collections
import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from bench.api_load import hammer
from bench.harness import _token
from bench.procs import (
    CTX,
    Service,
    Simulator,
    Stores,
    WorkerProcess,
    in_fresh_process,
    last_finished_pi,
)
from bench.pulls import full_pull_job, pull_runner
from bench.table import Row, secs
from bench.webhooks import Burst

P99_TARGET = 0.25
READERS = 20
WEBHOOK_RATE = 10.0
SECONDS = 20.0
CHANGED_SHARE = 0.01  # of the tracker's items changed before the pull, so it writes versions
SAMPLE_EVERY = 0.01  # the profiler's period
QUIET_SECONDS = 5.0  # readers alone first: the same reads with no data arriving (reference)


# -- the service process, instrumented ----------------------------------------------------
class _Counts:
    """What the service computed: report bodies and ART loads, with their data version."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.bodies: list[dict[str, Any]] = []
        self.loads: list[dict[str, Any]] = []
        self.columns: list[dict[str, Any]] = []  # builds of the columnar engine, per ArtData


COUNTS = _Counts()


class _Sampler:
    """A wall-clock sampling profiler of every thread of this process (no py-spy here)."""

    def __init__(self) -> None:
        self.running = threading.Event()
        self.leaf: collections.Counter[str] = collections.Counter()
        self.inclusive: collections.Counter[str] = collections.Counter()
        self.threads: collections.Counter[str] = collections.Counter()
        self.others: collections.Counter[str] = collections.Counter()  # the other threads' leaves
        self.samples = 0

    def start(self) -> None:
        self.leaf.clear()
        self.inclusive.clear()
        self.threads.clear()
        self.others.clear()
        self.samples = 0
        self.running.set()
        threading.Thread(target=self._loop, name="bench-sampler", daemon=True).start()

    def stop(self, top: int = 30) -> dict[str, Any]:
        self.running.clear()
        time.sleep(2 * SAMPLE_EVERY)
        return {
            "samples": self.samples,
            "period": SAMPLE_EVERY,
            "leaf": self.leaf.most_common(top),
            "inclusive": self.inclusive.most_common(top),
            "busy_threads": self.threads.most_common(top),
            "other_threads_leaf": self.others.most_common(top),
        }

    def _loop(self) -> None:
        me = threading.get_ident()
        names = {t.ident: t.name for t in threading.enumerate()}
        while self.running.is_set():
            frames = sys._current_frames()
            for ident, frame in frames.items():
                if ident == me:
                    continue
                if ident not in names:
                    names = {t.ident: t.name for t in threading.enumerate()}
                thread = names.get(ident, "")
                stack: list[str] = []
                f: Any = frame
                while f is not None:
                    code = f.f_code
                    where = f"{_short(code.co_filename)}:{code.co_firstlineno}"
                    stack.append(f"{code.co_name} ({where})")
                    f = f.f_back
                if _idle(stack[0]):
                    continue
                leaf = (
                    f"{frame.f_code.co_name} ({_short(frame.f_code.co_filename)}:{frame.f_lineno})"
                )
                group = thread.rstrip("0123456789_- ")
                self.threads[group] += 1
                if not thread.startswith("AnyIO"):  # the functions of the request threads
                    self.others[f"{group}: {leaf}"] += 1
                    continue
                self.samples += 1
                self.leaf[leaf] += 1
                for name in set(stack):
                    self.inclusive[name] += 1
            time.sleep(SAMPLE_EVERY)


SAMPLER = _Sampler()


def _short(path: str) -> str:
    for root in ("site-packages/", "/lib/python3"):
        if root in path:
            return path.split(root, 1)[1]
    return "/".join(path.split("/")[-3:])


def _idle(leaf: str) -> bool:
    """A thread waiting for work (its pool's queue), not serving anyone."""
    waiting = leaf.startswith(("wait (", "get (", "_worker (", "select ("))
    files = ("threading.py", "queue.py", "selectors.py", "futures/thread.py")
    return waiting and any(f in leaf for f in files)


def _instrument() -> None:
    """Wrap this process's ReportService so it counts what it computes (bench only)."""
    from app.reports import service as reports
    from app.reports.cache import LRUCache
    from metrics import columns

    build = columns.Columns.__init__

    def counting_build(self: Any, data: Any) -> None:
        start = time.perf_counter()
        build(self, data)
        with COUNTS.lock:
            COUNTS.columns.append(
                {"data": id(data), "seconds": time.perf_counter() - start, "at": time.time()}
            )

    columns.Columns.__init__ = counting_build  # type: ignore[method-assign]

    class CountingCache(LRUCache[dict[str, Any]]):
        def get_or_compute(self, key: Any, compute: Callable[[], Any]) -> Any:
            def counted() -> Any:
                start = time.perf_counter()
                value = compute()
                done = time.perf_counter()
                with COUNTS.lock:
                    COUNTS.bodies.append(
                        {
                            "report": key[2],
                            "version": key[1],
                            "key": repr(key[2:]),
                            "seconds": done - start,
                            "at": time.time(),
                        }
                    )
                return value

            return super().get_or_compute(key, counted)

    init, load_from = reports.ReportService.__init__, reports.ReportService._load_from

    def counting_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.bodies = CountingCache(self.bodies.size)

    def counting_load(self: Any, art: str, art_id: int, version: int, base: Any, now: Any) -> Any:
        start = time.perf_counter()
        loaded = load_from(self, art, art_id, version, base, now)
        with COUNTS.lock:
            COUNTS.loads.append(
                {
                    "version": version,
                    "full": loaded.full_at == now,
                    "seconds": time.perf_counter() - start,
                    "at": time.time(),
                }
            )
        return loaded

    reports.ReportService.__init__ = counting_init  # type: ignore[method-assign]
    reports.ReportService._load_from = counting_load  # type: ignore[method-assign]


def _steady_service_main(
    db_url: str, config: dict[str, Any], port: int, data_dir: str, with_worker: bool
) -> None:
    """Child process: procs' service, with the counters and the profiler at /bench/*."""
    import app.main
    from bench.procs import _service_main

    _instrument()
    create_app = app.main.create_app

    def with_bench_routes(*args: Any, **kwargs: Any) -> Any:
        application = create_app(*args, **kwargs)

        def counts() -> dict[str, Any]:
            with COUNTS.lock:
                return {
                    "bodies": list(COUNTS.bodies),
                    "loads": list(COUNTS.loads),
                    "columns": list(COUNTS.columns),
                }

        def profile_start() -> dict[str, str]:
            SAMPLER.start()
            return {"status": "sampling"}

        application.add_api_route("/bench/counts", counts, include_in_schema=False)
        application.add_api_route("/bench/threads", thread_cpu, include_in_schema=False)
        application.add_api_route("/bench/profile/start", profile_start, include_in_schema=False)
        application.add_api_route("/bench/profile/stop", SAMPLER.stop, include_in_schema=False)
        return application

    app.main.create_app = with_bench_routes
    _service_main(db_url, config, port, data_dir, with_worker)


ALL_THREADS = "all threads"


def thread_cpu() -> dict[str, tuple[str, float]]:
    """Per live thread of this process (by id): the kind of thread (its name without its
    number: the request threads, the event loop, the refreshes...) and its CPU seconds."""
    used: dict[str, tuple[str, float]] = {}
    for thread in threading.enumerate():
        try:
            seconds = time.clock_gettime(time.pthread_getcpuclockid(thread.ident or 0))
        except (OSError, ValueError, OverflowError):  # the thread ended meanwhile
            continue
        used[str(thread.ident)] = (thread.name.rstrip("0123456789_- "), seconds)
    # the whole process too: a thread that ended before the second reading (a request
    # thread its pool let go, say) is missing from the kinds but not from this
    used["process"] = (ALL_THREADS, time.process_time())
    return used


def cpu_by_kind(
    before: dict[str, tuple[str, float]], after: dict[str, tuple[str, float]]
) -> dict[str, float]:
    """The CPU seconds each kind of thread used between two readings (a thread that began
    between them counts whole), largest first."""
    used: dict[str, float] = collections.defaultdict(float)
    for ident, (kind, seconds) in after.items():
        used[kind] += seconds - before.get(ident, (kind, 0.0))[1]
    ranked = sorted(used.items(), key=lambda kv: (-kv[1], kv[0] != ALL_THREADS))
    return {kind: round(s, 2) for kind, s in ranked if s >= 0.05 or kind == ALL_THREADS}


class CountingService(Service):
    """procs.Service whose process counts report computations and ART loads."""

    def __init__(
        self, db_url: str, config: dict[str, Any], data_dir: Path, with_worker: bool
    ) -> None:
        super().__init__(db_url, config, data_dir, with_worker)
        self._proc = CTX.Process(
            target=_steady_service_main,
            args=(db_url, config, self.port, str(data_dir), with_worker),
            daemon=True,
            name="trainyard-service-counted",
        )


# -- the load ---------------------------------------------------------------------------
def _paths(scenario: Any) -> list[str]:
    art = f"/api/v1/arts/{quote(scenario.art, safe='')}"
    pi = quote(last_finished_pi(scenario)[0], safe="")
    return [
        f"{art}/pis/{pi}/predictability",
        f"{art}/pis/{pi}/dependencies",
        f"{art}/flow",
        f"{art}/cfd",
        f"{art}/aging",
        "/api/v1/items?limit=1000",
    ]


class _Background:
    """The pulls, the paced webhooks and the version watcher of one window."""

    def __init__(
        self,
        service: Service,
        burst: Burst,
        headers: dict[str, str],
        art: str,
        source: str,
        pull_in: tuple[str, dict[str, Any]] | None,
    ) -> None:
        self.service, self.burst, self.headers = service, burst, headers
        self.art, self.source = art, source
        self.pull_in = pull_in  # (store URL, config): pulls in a worker process, not the API
        self.stop = threading.Event()
        self.versions: list[tuple[float, int]] = []
        self.pulls: list[dict[str, Any]] = []
        self.hooks: dict[str, Any] = {}
        self.threads: list[threading.Thread] = []

    def start(self, seconds: float, rate: float, full: bool) -> None:
        events = max(1, round(seconds * rate))
        jobs: list[Callable[[], None]] = [
            lambda: self._pull(full),
            lambda: self.hooks.update(self.burst.run(events, senders=2, rate=rate)),
            self._watch,
        ]
        self.threads = [threading.Thread(target=j, daemon=True) for j in jobs]
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=300)

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.service.url, headers=self.headers, timeout=60)

    def _pull(self, full: bool) -> None:
        """Pulls back to back while the window lasts: full first, then incremental; in the
        service (``POST /sources/{source}/sync``), or in a process of their own as a worker's
        scheduled pulls run beside ``trainyard serve``."""
        if self.pull_in is not None:
            while not self.stop.is_set():
                self.pulls.append(in_fresh_process(pull_job, *self.pull_in, full))
                full = False
            return
        with self._client() as client:
            while not self.stop.is_set():
                before = self._last_run(client)["id"]
                started = time.perf_counter()
                resp = client.post(
                    f"/api/v1/sources/{self.source}/sync", params={"full": str(full).lower()}
                )
                if resp.status_code != 202:
                    self.pulls.append({"error": f"HTTP {resp.status_code} {resp.text[:200]}"})
                    return
                mode = resp.json()["mode"]
                while True:
                    time.sleep(0.25)
                    run = self._last_run(client)
                    if run["id"] != before and run["status"] != "running":
                        break
                run.update(mode=mode, seconds=time.perf_counter() - started)
                self.pulls.append(run)
                full = False

    def _last_run(self, client: httpx.Client) -> dict[str, Any]:
        runs = client.get("/api/v1/sync-runs", params={"source": self.source, "limit": 1})
        runs.raise_for_status()
        return dict(runs.json()["data"][0])

    def _watch(self) -> None:
        with self._client() as client:
            while not self.stop.is_set():
                resp = client.get(f"/api/v1/arts/{quote(self.art, safe='')}")
                if resp.status_code == 200:
                    self.versions.append((time.time(), resp.json()["data_version"]))
                time.sleep(0.1)


def _window(
    service: Service,
    burst: Burst,
    headers: dict[str, str],
    scenario: Any,
    source: str,
    seconds: float,
    readers: int,
    rate: float,
    pull_in: tuple[str, dict[str, Any]] | None,
) -> dict[str, Any]:
    """One measured window: readers against pulls and webhooks; every figure of it."""
    background = _Background(service, burst, headers, scenario.art, source, pull_in)
    with httpx.Client(base_url=service.url, timeout=60) as client:
        cpu_before = client.get("/bench/threads").json()
    began = time.time()
    background.start(seconds, rate, full=True)
    reads = hammer(service.url, _paths(scenario), headers, seconds, readers, service.pid)
    ended = time.time()
    with httpx.Client(base_url=service.url, timeout=60) as client:
        cpu_after = client.get("/bench/threads").json()  # before the window's pull ends
    background.finish()
    with httpx.Client(base_url=service.url, timeout=60) as client:
        counts = client.get("/bench/counts").json()
    bodies = [b for b in counts["bodies"] if began <= b["at"] <= ended]
    loads = [x for x in counts["loads"] if began <= x["at"] <= ended]
    builds = [x for x in counts["columns"] if began <= x["at"] <= ended]
    versions = sorted({v for _, v in background.versions})
    computed = collections.Counter(b["report"] for b in bodies)
    per_key = collections.Counter((b["version"], b["key"]) for b in bodies)
    body_versions = {b["version"] for b in bodies}
    report_requests = sum(
        v["requests"] for p, v in reads.get("by_path", {}).items() if "/arts/" in p
    )
    return {
        "reads": reads,
        "pulls": background.pulls,
        "webhooks": background.hooks,
        "versions_seen": len(versions),
        "versions_made": versions[-1] - versions[0] if versions else 0,
        "computations": len(bodies),
        "computations_by_report": dict(computed),
        "computed_versions": len(body_versions),
        "most_per_key": max(per_key.values(), default=0),
        "report_requests": report_requests,
        "compute_seconds": sum(b["seconds"] for b in bodies),
        "loads": len(loads),
        "full_loads": sum(1 for x in loads if x["full"]),
        "load_seconds": sum(x["seconds"] for x in loads),
        "load_max": max((x["seconds"] for x in loads), default=0.0),
        "columns_builds": len(builds),
        "columns_data": len({x["data"] for x in builds}),
        "columns_seconds": sum(x["seconds"] for x in builds),
        "thread_cpu": cpu_by_kind(cpu_before, cpu_after),
    }


# the two ways to run Trainyard: ``trainyard start`` (web and worker in one process, what
# `make run` does) and ``trainyard serve`` beside ``trainyard worker`` (the production layout
# on PostgreSQL: README, "Running more than one replica")
LAYOUTS = {"one process": True, "serve + worker": False}


def steady_rows(
    stores: Stores,
    seed: int,
    items: int,
    teams: int,
    today: date,
    log: Callable[[str], None],
    seconds: float = SECONDS,
    readers: int = READERS,
    rate: float = WEBHOOK_RATE,
    profile: bool = False,
) -> list[Row]:
    """The rows of the steady section, per layout (one when PostgreSQL does not answer)."""
    if not stores.postgres_available():
        return [
            Row(
                "steady",
                f"{readers} readers, pull + {rate:g} webhooks/s [postgres]",
                items,
                f"skipped: PostgreSQL at {stores.pg_url} did not answer",
                f"p99 < {P99_TARGET * 1000:.0f} ms, 0 errors",
                None,
                {"skipped": True},
            )
        ]
    log(f"steady: {items:,}-item ART, Jira simulator starting")
    rows: list[Row] = []
    with Simulator("jira", seed, items, teams, today) as sim:
        for k, (layout, one_process) in enumerate(LAYOUTS.items()):
            case = f"{readers} readers, pull + {rate:g} webhooks/s [postgres, {layout}]"
            window = _Window(sim, seed + 10 * k, seconds, readers, rate, log)
            out = window.run(stores, one_process, profile)
            rows += _rows(out, items, case, readers)
    return rows


@dataclass
class _Window:
    """One layout's run: a fresh store pulled in full, the service (and worker), the readers
    alone, then the measured window (and a profiled one)."""

    sim: Simulator
    seed: int
    seconds: float
    readers: int
    rate: float
    log: Callable[[str], None]

    def run(self, stores: Stores, one_process: bool, profile: bool) -> dict[str, Any]:
        sim, seconds, readers, rate, log = self.sim, self.seconds, self.readers, self.rate, self.log
        assert sim.scenario is not None
        config = sim.config()
        url = stores.fresh("postgres")
        data_dir = stores.root / f"data-steady-{'one' if one_process else 'split'}"
        try:
            log(f"  steady ({_layout(one_process)}): full pull into PostgreSQL (untimed)")
            in_fresh_process(full_pull_job, url, config)
            token = _token(url, ("read", "admin"))
            headers = {"Authorization": f"Bearer {token}"}
            source = config["sources"][0]["name"]
            pull_in = None if one_process else (url, config)
            with (
                CountingService(url, config, data_dir, one_process) as service,
                contextlib.nullcontext() if one_process else WorkerProcess(url, config, data_dir),
            ):
                burst = Burst(sim, service.url, url, token, source)
                try:
                    burst.warm_up()
                    with httpx.Client(base_url=service.url, headers=headers, timeout=300) as c:
                        for path in _paths(sim.scenario):  # the ART loaded, every report once
                            c.get(path).raise_for_status()
                    log("  steady: readers alone first (nothing arriving)")
                    quiet = hammer(
                        service.url,
                        _paths(sim.scenario),
                        headers,
                        min(QUIET_SECONDS, seconds),
                        readers,
                        service.pid,
                    )
                    sim.ask("mutate", (CHANGED_SHARE, self.seed + 1, None))
                    log(f"  steady: {seconds:g} s window, {readers} readers")
                    args = (service, burst, headers, sim.scenario, source, seconds, readers, rate)
                    out = _window(*args, pull_in)
                    if profile:
                        sim.ask("mutate", (CHANGED_SHARE, self.seed + 2, None))
                        log(f"  steady: {seconds:g} s window again, profiled")
                        with httpx.Client(base_url=service.url, timeout=60) as c:
                            c.get("/bench/profile/start").raise_for_status()
                            again = _window(*args, pull_in)
                            out["profile"] = c.get("/bench/profile/stop").json()
                            out["profiled_reads"] = again["reads"]
                finally:
                    burst.close()
        finally:
            stores.drop(url)
        out["quiet"] = quiet
        return out


def _layout(one_process: bool) -> str:
    return next(name for name, one in LAYOUTS.items() if one == one_process)


def pull_job(db_url: str, config_dict: dict[str, Any], full: bool) -> dict[str, Any]:
    """In a fresh process: one pull, as a worker's scheduled pull runs; the run in the words
    of ``GET /sync-runs`` (mode, status, counts, error)."""
    from sync.runner import pull_mode

    runner, engine = pull_runner(db_url, config_dict)
    start = time.perf_counter()
    try:
        with runner.sessions() as session:
            mode = pull_mode(session, runner.source.name, full)
        result = runner.run(full=full)
    finally:
        runner.close()
        engine.dispose()
    return {
        "mode": mode,
        "status": result.status,
        "fetched": result.counts.fetched,
        "updated": result.counts.updated,
        "seconds": time.perf_counter() - start,
        "error": result.error,
    }


def _rows(out: dict[str, Any], items: int, case: str, readers: int) -> list[Row]:
    r = out["reads"]
    ok = r["errors"] == 0 and r["p99"] is not None and r["p99"] < P99_TARGET
    figure = f"p50 {secs(r['p50'])}, p99 {secs(r['p99'])}, {r['errors']} errors"
    if r["failures"]:
        figure += f" ({r['failures'][0]})"
    rows = [
        Row(
            "steady",
            f"reads, {case}",
            items,
            figure,
            f"p99 < {P99_TARGET * 1000:.0f} ms, 0 errors",
            ok,
            out,
        ),
        Row(
            "steady",
            f"throughput, {case}",
            items,
            f"{r['rps']:,.0f} req/s; CPU s/s: client {r['client_cpu']:.2f}, service "
            f"{(r['server_cpu'] or 0):.2f} (of 2 cores)",
            "reference",
            None,
            {k: r[k] for k in ("rps", "requests", "client_cpu", "server_cpu", "seconds")},
        ),
    ]
    q = out["quiet"]
    rows.append(
        Row(
            "steady",
            f"reads, {readers} readers, nothing arriving [postgres]",
            items,
            f"p50 {secs(q['p50'])}, p99 {secs(q['p99'])}, {q['errors']} errors, "
            f"{q['rps']:,.0f} req/s; CPU s/s: client {q['client_cpu']:.2f}, service "
            f"{(q['server_cpu'] or 0):.2f}",
            "reference",
            None,
            q,
        )
    )
    for path, spread in r.get("by_path", {}).items():
        name = path.rsplit("/", 1)[-1]
        rows.append(
            Row(
                "steady",
                f"  {name} [{readers} readers]",
                items,
                f"{spread['requests']:,} reads, p50 {secs(spread['p50'])}, "
                f"p99 {secs(spread['p99'])}",
                "",
                None,
                spread,
            )
        )
    reports = len(out["computations_by_report"]) or 1
    per_version = out["computations"] / (out["computed_versions"] * reports or 1)
    rows.append(
        Row(
            "steady",
            "report computations per data version",
            items,
            f"{out['versions_seen']} versions seen ({out['versions_made']} made); "
            f"{out['computations']} computations over {out['computed_versions']} versions "
            f"= {per_version:.2f} per report per version, for {out['report_requests']:,} "
            f"report reads ({secs(out['compute_seconds'])} computing); ART loads "
            f"{out['loads']} ({out['full_loads']} full, {secs(out['load_seconds'])}, "
            f"longest {secs(out['load_max'])}); columns built {out['columns_builds']} times "
            f"for {out['columns_data']} loaded ARTs ({secs(out['columns_seconds'])})",
            "≈ 1 per report per version, not per request",
            out["most_per_key"] <= 1 and out["computations"] < max(1, out["report_requests"]),
            {
                k: v
                for k, v in out.items()
                if k
                not in (
                    "reads",
                    "pulls",
                    "webhooks",
                    "profile",
                    "quiet",
                    "profiled_reads",
                    "thread_cpu",
                )
            },
        )
    )
    rows.append(
        Row(
            "steady",
            "service CPU by thread during the window",
            items,
            ", ".join(f"{name} {used:.1f} s" for name, used in out["thread_cpu"].items()) or "none",
            "reference",
            None,
            {"thread_cpu": out["thread_cpu"], "seconds": r["seconds"]},
        )
    )
    pulls = out["pulls"]
    pull_fig = "; ".join(_pull_text(p) for p in pulls)
    rows.append(
        Row(
            "steady",
            "pulls during the window",
            items,
            pull_fig or "none",
            "reference",
            None,
            {"pulls": pulls},
        )
    )
    h = out["webhooks"]
    if h:
        rows.append(
            Row(
                "steady",
                "webhooks during the window",
                items,
                f"{h['accepted']}/{h['events']} accepted, {h['visible']} visible, receipt→visible "
                f"p50 {secs(h['p50'])}, p99 {secs(h['p99'])}",
                "reference",
                None,
                h,
            )
        )
    return rows


def _pull_text(run: dict[str, Any]) -> str:
    """One pull of the window in words: its mode, outcome and counts (or why it failed)."""
    if "mode" not in run:
        return str(run["error"])
    text = (
        f"{run['mode']} {run['status']}, {run['fetched']} fetched, {run['updated']} updated, "
        f"{secs(run['seconds'])}"
    )
    return text + (f" ({run['error']})"[:200] if run.get("error") else "")
