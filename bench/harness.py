"""The benchmark run: for each ART size, each section, every figure the median of the repeats.

Per size, the Jira simulator and then the Azure DevOps simulator run in a child process each
(one at a time: a 200,000-item ART takes a few GB to serve). Against each: full pulls into
every store, measured beside the wire limit; then incremental pulls. Against Jira only: the
service (uvicorn, its own process) over the pulled store takes a webhook burst and API load,
and the reports are timed over the same store once the simulator is gone.

Sections: ``pulls``, ``incremental``, ``webhooks``, ``metrics``, ``api``, ``outlook``,
``console``. A section that needs a pulled store when ``pulls`` is not selected pulls one
first, untimed; ``outlook`` needs none (an in-memory ART of its own size, bench/outlook.py)
and runs once; ``console`` runs once, on the demo ART (bench/console.py), whatever the sizes.
"""

from __future__ import annotations

import math
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from bench.api_load import hammer
from bench.console import PAGE_TARGET, console_job
from bench.outlook import outlook_rows
from bench.procs import (
    Service,
    Simulator,
    StoreKind,
    Stores,
    in_fresh_process,
    last_finished_pi,
    now_plus,
    worker_pool,
)
from bench.pulls import connector_job, full_pull_job, incremental_job, replay
from bench.reports import REPORTS, metrics_job
from bench.table import Row, mb, median, medians, secs
from bench.webhooks import Burst

SECTIONS = ("pulls", "incremental", "webhooks", "metrics", "api", "outlook", "console")
VISIBLE_WITHIN = 1.0  # seconds from a webhook's 202 to its change in the store (issue 18)
TRACKER_NAME = {"jira": "Jira", "ado": "Azure DevOps"}
WIRE_RATIO_TARGET = 2.0
RSS_GROWTH_LIMIT = 1.25  # peak RSS at a size / at the smallest size
LOAD_TARGET = 3.0  # seconds to load a 200,000-item ART with its columns (issue 18)
LOAD_RSS_TARGET = 2**30  # resident once loaded
REPORT_TARGET = 0.1  # a report over the loaded ART
NEXT_VERSION_TARGET = 0.2  # a report of the next data version after a 1,000-item burst
API_SHARE_TARGET = 0.5
# An incremental pull may cost what it costs with nothing changed (which must not grow with
# the ART), plus about one request per changed item, plus a few queries any change set needs.
CHANGED_ALLOWANCE = 1.1
FIXED_ALLOWANCE = 10


def _stderr(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


@dataclass
class Options:
    sizes: list[int]
    repeat: int = 3
    only: tuple[str, ...] = SECTIONS
    stores: tuple[StoreKind, ...] = ("sqlite", "postgres")
    teams: int = 10
    seed: int = 7
    changed: float = 0.01  # share of the items changed before an incremental pull
    events: int = 1000  # webhook deliveries per burst
    senders: int = 8  # concurrent webhook senders
    threads: int = 8  # concurrent API clients
    load_seconds: float = 5.0  # per endpoint and repeat
    demo_items: int = 1500  # the demo ART of the console section (`make run`'s default)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    log: Callable[[str], None] = _stderr


@dataclass
class Run:
    """What one run accumulates: the rows, notes, and the figures later sizes compare with."""

    options: Options
    stores: Stores
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    rss_baseline: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    idle_baseline: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        self.options.log(f"  {row.section} | {row.case} | {row.figure} | {row.verdict}")

    @contextmanager
    def section(self, name: str, size: int, case: str) -> Iterator[None]:
        """Time a block; an error becomes a failed row and the run goes on."""
        start = time.perf_counter()
        try:
            yield
        except Exception as exc:
            trace = traceback.format_exc()
            self.options.log(trace)
            error = f"{type(exc).__name__}: {exc}"
            self.add(
                Row(name, case, size, f"error: {error}"[:200], ok=False, values={"error": error})
            )
        finally:
            key = f"{size}:{name}"
            self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - start


def run(options: Options) -> tuple[list[Row], dict[str, Any]]:
    """Run the selected sections at every size; the rows and the run's metadata."""
    started = time.perf_counter()
    stores = Stores()
    kinds: list[StoreKind] = []
    notes = []
    for kind in options.stores:
        if kind == "postgres" and not stores.postgres_available():
            notes.append(f"PostgreSQL at {stores.pg_url} did not answer: its rows are skipped")
            options.log(notes[-1])
            continue
        kinds.append(kind)
    options.stores = tuple(kinds)
    state = Run(options, stores, notes=notes)
    try:
        if "outlook" in options.only:
            with state.section("outlook", 0, "PI outlook"):
                for row in outlook_rows(options.repeat):
                    state.add(row)
        for size in sorted(options.sizes):  # the smallest size is the baseline of the rest
            _size(state, size)
        if "console" in options.only:
            with state.section("console", options.demo_items, "demo ART"):
                _console(state)
    finally:
        stores.close()
    meta = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {k: v for k, v in vars(options).items() if k != "log"},
        "duration_seconds": round(time.perf_counter() - started, 1),
        "section_seconds": {k: round(v, 1) for k, v in state.timings.items()},
        "notes": state.notes,
    }
    return state.rows, meta


def _size(state: Run, size: int) -> None:
    o = state.options
    only = set(o.only)
    for tracker in ("jira", "ado"):
        jira_only = {"webhooks", "api", "metrics"} if tracker == "jira" else set()
        if not only & ({"pulls", "incremental"} | jira_only):
            continue
        o.log(f"size {size:,}: {TRACKER_NAME[tracker]} simulator starting")
        kept: dict[StoreKind, str] = {}
        scenario: Any = None
        config: dict[str, Any] = {}
        try:
            with Simulator(tracker, o.seed, size, o.teams, o.today) as sim:
                o.log(f"  ART generated and served in {sim.generate_seconds:.1f} s at {sim.url}")
                if "pulls" in only:
                    with state.section("pull", size, f"{tracker} full pulls"):
                        _full_pulls(state, sim, size, kept)
                missing = [k for k in o.stores if k not in kept]
                if missing and only & ({"incremental"} | jira_only):
                    with state.section("setup", size, f"{tracker} setup pull"):
                        for kind in missing:
                            url = state.stores.fresh(kind)
                            in_fresh_process(full_pull_job, url, sim.config())
                            kept[kind] = url
                if "incremental" in only:
                    with state.section("incremental", size, f"{tracker} incremental"):
                        _incremental(state, sim, size, kept)
                if only & {"webhooks", "api"} and tracker == "jira":
                    for kind in o.stores:
                        if kind in kept:
                            with state.section("service", size, f"{kind} service"):
                                _service(state, sim, size, kind, kept[kind])
                scenario, config = sim.scenario, sim.config()
            if "metrics" in only and tracker == "jira" and scenario is not None:
                for kind in o.stores:
                    if kind in kept:
                        with state.section("metrics", size, f"{kind} metrics"):
                            _metrics(state, scenario, config, size, kind, kept[kind])
        except Exception as exc:  # a simulator that would not start: the next one may
            o.log(traceback.format_exc())
            state.add(Row("setup", f"{tracker} simulator", size, f"error: {exc}"[:160], ok=False))
        finally:
            for url in kept.values():
                state.stores.drop(url)


# -- full pulls ---------------------------------------------------------------------------
def _full_pulls(state: Run, sim: Simulator, size: int, kept: dict[StoreKind, str]) -> None:
    o, tracker = state.options, sim.tracker
    config = sim.config()
    # Warm-up, recorded: the simulator renders (and caches) every answer once, and the
    # requests of a full pull (the store does not change which) are noted for the wire loop.
    sim.ask("record", True)
    o.log(f"  {tracker}: warm-up pull by the connector alone (recorded)")
    warm = in_fresh_process(connector_job, config)
    calls = sim.ask("recorded")
    wires: list[dict[str, Any]] = []
    alone: list[dict[str, Any]] = []
    pulls: dict[StoreKind, list[dict[str, Any]]] = {k: [] for k in o.stores}
    for r in range(o.repeat):
        o.log(f"  {tracker}: repeat {r + 1}/{o.repeat}: wire loop, connector alone")
        wire = replay(sim.url, calls)
        wires.append(wire)
        res = in_fresh_process(connector_job, config)
        res["items_per_second"] = res["fetched"] / res["seconds"]
        res["wire_ratio"] = res["seconds"] / wire["seconds"]
        alone.append(res)
        for kind in o.stores:
            o.log(f"  {tracker}: repeat {r + 1}/{o.repeat}: full pull into {kind}")
            url = state.stores.fresh(kind)
            res = in_fresh_process(full_pull_job, url, config)
            res["items_per_second"] = res["fetched"] / res["seconds"]
            res["wire_ratio"] = res["seconds"] / wire["seconds"]
            pulls[kind].append(res)
            if kind in kept:
                state.stores.drop(kept[kind])
            kept[kind] = url
    fetched = warm["fetched"]
    wire_m = medians(wires)
    wire_m["items_per_second"] = fetched / wire_m["seconds"]
    wire_m["warm_up_pull"] = warm
    state.add(
        Row(
            "pull",
            f"{tracker} wire limit",
            size,
            f"{wire_m['items_per_second']:,.0f} items/s ({wire_m['requests']:.0f} requests, "
            f"{mb(wire_m['bytes'])}, {secs(wire_m['seconds'])})",
            "reference",
            None,
            wire_m,
        )
    )
    m = medians(alone)
    state.add(
        Row(
            "pull",
            f"{tracker} connector alone (no store)",
            size,
            f"{m['items_per_second']:,.0f} items/s, {m['wire_ratio']:.2f}x wire "
            f"({m['fetched']:,.0f} items, {secs(m['seconds'])}, {mb(m['rss_peak'])} peak)",
            "reference",
            None,
            m,
        )
    )
    for kind in o.stores:
        m = medians(pulls[kind])
        ratio = m["wire_ratio"]
        state.add(
            Row(
                "pull",
                f"{tracker} → {kind}",
                size,
                f"{m['items_per_second']:,.0f} items/s, {ratio:.2f}x wire "
                f"({m['fetched']:,.0f} items, {secs(m['seconds'])})",
                f"≤ {WIRE_RATIO_TARGET:g}x wire",
                ratio <= WIRE_RATIO_TARGET,
                m,
            )
        )
        key = (tracker, kind)
        peak = m["rss_peak"]
        base = state.rss_baseline.setdefault(key, (size, peak))
        if base[0] == size:
            target, ok = "baseline for larger sizes", None
        else:
            target = f"≤ {RSS_GROWTH_LIMIT:g}x {base[0]:,}'s {mb(base[1])}"
            ok = peak <= RSS_GROWTH_LIMIT * base[1]
        state.add(
            Row(
                "pull RSS",
                f"{tracker} → {kind}",
                size,
                f"{mb(peak)} peak ({mb(m['rss_before'])} before the pull)",
                target,
                ok,
                {"rss_peak": peak, "rss_before": m["rss_before"], "runs": m["runs"]},
            )
        )


# -- incremental pulls --------------------------------------------------------------------
def _incremental(state: Run, sim: Simulator, size: int, kept: dict[StoreKind, str]) -> None:
    o, tracker = state.options, sim.tracker
    config = sim.config()
    kinds = [k for k in o.stores if k in kept]
    pools = {k: worker_pool() for k in kinds}
    try:
        idle: dict[StoreKind, list[dict[str, Any]]] = {k: [] for k in kinds}
        runs: dict[StoreKind, list[dict[str, Any]]] = {k: [] for k in kinds}
        for kind in kinds:  # nothing changed: what an incremental pull costs by itself
            for _ in range(o.repeat):
                idle[kind].append(pools[kind].submit(incremental_job, kept[kind], config).result())
        for r in range(o.repeat):
            # each round of changes 10 minutes after the last, as if the pulls were that far
            # apart, so the watermark's overlap never reaches back into the previous round
            changed = sim.ask("mutate", (o.changed, 1000 + r, now_plus(10 * (r + 1))))
            for kind in kinds:
                res = pools[kind].submit(incremental_job, kept[kind], config).result()
                res["changed"] = len(changed)
                res["all_changed_seen"] = res["fetched"] >= len(changed)
                runs[kind].append(res)
    finally:
        for pool in pools.values():
            pool.shutdown()
    for kind in kinds:
        i, m = medians(idle[kind]), medians(runs[kind])
        key = (tracker, kind)
        base = state.idle_baseline.setdefault(key, (size, i["requests"]))
        budget = math.ceil(i["requests"] + CHANGED_ALLOWANCE * m["changed"] + FIXED_ALLOWANCE)
        ok = m["requests"] <= budget and i["requests"] <= base[1]
        ok = ok and all(r["all_changed_seen"] for r in runs[kind])
        per_item = m["seconds"] / m["changed"] if m["changed"] else None
        state.add(
            Row(
                "incremental",
                f"{tracker} → {kind}, {o.changed * 100:g}% changed",
                size,
                f"{m['requests']:.0f} requests, {secs(m['seconds'])} for {m['changed']:,.0f} "
                f"changed ({secs(per_item)}/item); nothing changed: {i['requests']:.0f} "
                f"requests, {secs(i['seconds'])}",
                f"≤ idle + {CHANGED_ALLOWANCE:g}xchanged + {FIXED_ALLOWANCE} = {budget:,}; "
                f"idle ≤ {base[1]:.0f} (as at {base[0]:,})",
                ok,
                {**m, "idle": i, "budget": budget, "seconds_per_changed": per_item},
            )
        )


# -- the service: webhooks and API load -------------------------------------------------
def _token(db_url: str, scopes: tuple[str, ...] = ("read",)) -> str:
    from app.tokens import create_token
    from art.db import make_engine, session_factory, transaction

    engine = make_engine(db_url)
    try:
        with transaction(session_factory(engine)) as session:
            return create_token(session, "bench", list(scopes))
    finally:
        engine.dispose()


def _service(state: Run, sim: Simulator, size: int, kind: StoreKind, db_url: str) -> None:
    o = state.options
    only = set(o.only)
    config = sim.config()
    token = _token(db_url)
    source = config["sources"][0]["name"]
    o.log(f"  service on {kind} starting")
    with Service(db_url, config, state.stores.root / f"data-{kind}") as service:
        if "webhooks" in only:
            with state.section("webhooks", size, f"{kind} webhook burst"):
                burst = Burst(sim, service.url, db_url, token, source)
                try:
                    burst.warm_up()
                    results = []
                    for r in range(o.repeat):
                        o.log(f"  webhooks on {kind}: burst {r + 1}/{o.repeat}")
                        results.append(burst.run(o.events, o.senders))
                finally:
                    burst.close()
                m = medians(results)
                complete = all(
                    x["visible"] == x["events"] == x["accepted"] == x["api_visible"]
                    for x in results
                )
                figure = (
                    f"p50 {secs(m['p50'])}, p99 {secs(m['p99'])} receipt→visible "
                    f"(posted in {secs(m['post_seconds'])}, all applied in "
                    f"{secs(m['drain_seconds'])})"
                )
                if not complete:
                    worst = min(results, key=lambda x: x["visible"])
                    figure += (
                        f"; {worst['accepted']}/{worst['events']} accepted, "
                        f"{worst['visible']} visible, {worst['api_visible']} in the API"
                    )
                    if worst["failures"]:
                        figure += f"; {worst['failures'][0]}"[:200]
                state.add(
                    Row(
                        "webhooks",
                        f"{m['events']:,.0f} Jira events → {kind}",
                        size,
                        figure,
                        f"every event visible, p99 ≤ {secs(VISIBLE_WITHIN)}",
                        complete and (m["p99"] or 0) <= VISIBLE_WITHIN,
                        m,
                    )
                )
        if "api" in only:
            with state.section("api", size, f"{kind} API load"):
                _api(state, sim, size, kind, service, token)


def _api(
    state: Run, sim: Simulator, size: int, kind: StoreKind, service: Service, token: str
) -> None:
    o = state.options
    scenario = sim.scenario
    assert scenario is not None and scenario.as_of is not None
    pi = last_finished_pi(scenario)[0]
    as_of = quote(scenario.as_of.isoformat())
    endpoints = {
        "/healthz (ceiling)": "/healthz",
        "predictability (cached)": f"/api/v1/arts/{quote(scenario.art)}/pis/{quote(pi)}"
        f"/predictability?as_of={as_of}",
        "items?limit=1000": "/api/v1/items?limit=1000",
    }
    headers = {"Authorization": f"Bearer {token}"}
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in endpoints}
    for r in range(o.repeat):
        for name, path in endpoints.items():
            o.log(f"  API on {kind}: {name} {r + 1}/{o.repeat}")
            samples[name].append(
                hammer(service.url, path, headers, o.load_seconds, o.threads, service.pid)
            )
    ceiling = medians(samples["/healthz (ceiling)"])
    for name in endpoints:
        m = medians(samples[name])
        share = m["rps"] / ceiling["rps"] if ceiling["rps"] else 0.0
        m["share_of_healthz"] = share
        fig = f"{m['rps']:,.0f} req/s, p99 {secs(m['p99'])}"
        if m.get("server_cpu") and m["rps"]:
            m["server_cpu_per_request"] = m["server_cpu"] / m["rps"]
            fig += f", server CPU {secs(m['server_cpu_per_request'])}/req"
        if name.startswith("/healthz"):
            target, ok = "reference", None
        else:
            fig += f" ({share:.0%} of /healthz)"
            target, ok = "", None
            if name.startswith("predictability"):
                target, ok = f"≥ {API_SHARE_TARGET:.0%} of /healthz", share >= API_SHARE_TARGET
        if m["errors"]:
            fig += f", {m['errors']:.0f} errors"
            ok = False
        state.add(Row("api", f"{name} [{kind}, {o.threads} clients]", size, fig, target, ok, m))


# -- metrics ------------------------------------------------------------------------------
def _metrics(
    state: Run, scenario: Any, config: dict[str, Any], size: int, kind: StoreKind, url: str
) -> None:
    o = state.options
    pi = last_finished_pi(scenario)
    o.log(f"  metrics on {kind}: {pi[0]}, {o.repeat} repeats")
    out = in_fresh_process(metrics_job, url, config, pi, scenario.as_of, o.repeat)
    load = median([run["load"] for run in out["loads"]])
    rss = max(run["rss"] for run in out["loads"])
    state.add(
        Row(
            "metrics",
            f"load the ART with its columns [{kind}]",
            size,
            f"{secs(load)}, {mb(rss)} resident ({out['items']:,} items)",
            f"< {LOAD_TARGET:g} s, < {mb(LOAD_RSS_TARGET)}",
            load < LOAD_TARGET and rss < LOAD_RSS_TARGET,
            {"load": load, "rss": rss, "samples": out["loads"], "items": out["items"]},
        )
    )
    for name in REPORTS:
        m = medians(out["reports"][name])
        state.add(
            Row(
                "metrics",
                f"{name} {pi[0]}, once loaded [{kind}]",
                size,
                f"{secs(m['compute'])}, cached {secs(m['cached'])}",
                f"< {secs(REPORT_TARGET)}",
                m["compute"] < REPORT_TARGET,
                m,
            )
        )
    first = median([burst[0] for burst in out["next_version"]])
    following = median([t for burst in out["next_version"] for t in burst[1:]])
    state.add(
        Row(
            "metrics",
            f"flow report of a new version, 1,000 items changed [{kind}]",
            size,
            f"{secs(following)} once running (the first after a load: {secs(first)}); "
            f"{mb(max(run['rss_after_bursts'] for run in out['loads']))} resident after them",
            f"< {secs(NEXT_VERSION_TARGET)}",
            following < NEXT_VERSION_TARGET,
            {"next_version": following, "first": first, "samples": out["next_version"]},
        )
    )


# -- console ------------------------------------------------------------------------------
def _console(state: Run) -> None:
    o = state.options
    o.log(f"  console on the demo ART ({o.demo_items} items), {o.repeat} repeats")
    out = in_fresh_process(console_job, o.demo_items, o.repeat)
    for page, samples in out["pages"].items():
        figure = median(samples)
        state.add(
            Row(
                "console",
                f"{page} ({out['pi']}) [sqlite]",
                o.demo_items,
                f"{figure * 1000:.0f} ms (first load {out['first'][page] * 1000:.0f} ms)",
                f"< {PAGE_TARGET * 1000:.0f} ms",
                figure < PAGE_TARGET,
                {
                    "seconds": figure,
                    "samples": samples,
                    "first": out["first"][page],
                    "items": out["items"],
                },
            )
        )
