"""Pulls near the wire: a full pull and the first flow report against the bare download.

Rows (section ``wire``), for a Jira Data Center project and an Azure DevOps project of the same
generated ART (``--wire-items``, 5,016 by default, 100 issues a page on Jira):

- the bare download: the requests of a full pull (recorded by the simulator) downloaded again
  by a sequential loop that does nothing with the answers (bench/pulls.py ``replay``), the
  median of three;
- two floors under any pull, as ratios of it (reference rows): the same answers downloaded
  and JSON-decoded, and the connector alone (fetch, decode, map into records; nothing
  stored), each the median of three;
- a full pull into a fresh store plus the first flow report (which loads the ART), timed
  together in a fresh process, as a ratio of the bare download (targets: 1.5x on SQLite, 2x
  on PostgreSQL);
- the requests of an incremental pull that finds nothing new, made by a warm service (a worker
  process that ran the full pull and keeps the source's metadata, as ``trainyard serve`` does):
  target 2; and on Azure DevOps the requests of one with N items changed: target
  ceil(N/200) + 4;
- the peak RSS of a full pull of ``--memory-items`` (50,000) into SQLite: target 250 MB.

The jobs run against whichever checkout is on ``sys.path``: run on main they give the figures
before the change (a PullRunner without a shared metadata cache is a cold one).
"""

from __future__ import annotations

import math
import time
from datetime import date, datetime, timedelta
from typing import Any

from bench.procs import (
    CTX,
    JIRA_EMAIL,
    JIRA_TOKEN,
    Recorder,
    Simulator,
    StoreKind,
    Stores,
    in_fresh_process,
    last_finished_pi,
    now_plus,
    peak_rss_bytes,
    worker_pool,
)
from bench.pulls import connector_job, pull_runner, replay
from bench.table import Row, mb, secs

WIRE_TARGET = {"sqlite": 1.5, "postgres": 2.0}
EMPTY_TARGET = 2
RSS_TARGET = 250 * 2**20
REPLAYS = 3  # runs of each reference figure (the median is the row's)
CHANGED_SHARE = 0.05  # of the items changed before the Azure DevOps incremental pull


# -- a Jira Data Center simulator (the harness serves Cloud) ---------------------------------
def _datacenter_main(child: Any, seed: int, items: int, teams: int, today: date) -> None:
    import signal

    from bench.procs import outline
    from simulators.generator import generate_art
    from simulators.jira import create_jira_simulator, sim_of
    from simulators.server import BackgroundServer

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    started = time.perf_counter()
    scenario = generate_art(seed, items, teams, today)
    app = create_jira_simulator(
        scenario, "datacenter", page_cap=100, users={JIRA_EMAIL: JIRA_TOKEN}
    )
    recorder = Recorder(app)
    server = BackgroundServer(recorder).start()
    child.send((server.url, outline(scenario), time.perf_counter() - started))
    while True:
        command, arg = child.recv()
        if command == "record":
            recorder.enabled, recorder.calls = bool(arg), []
            child.send(None)
        elif command == "recorded":
            child.send(recorder.calls)
            recorder.enabled, recorder.calls = False, []
        elif command == "mutate":
            fraction, mseed, at = arg
            child.send(sim_of(app).mutate(fraction=fraction, seed=mseed, at=at))
        else:
            server.stop()
            child.send(None)
            return


class DataCenterSimulator(Simulator):
    """procs.Simulator serving the ART as Jira Data Center (offset pages of 100)."""

    def __init__(self, seed: int, items: int, teams: int, today: date) -> None:
        super().__init__("jira", seed, items, teams, today)
        self._pipe, child = CTX.Pipe()
        self._proc = CTX.Process(
            target=_datacenter_main,
            args=(child, seed, items, teams, today),
            daemon=True,
            name="jira-dc-simulator",
        )

    def config(self) -> dict[str, Any]:
        config = super().config()
        config["sources"][0].update(flavour="datacenter", page_size=100)
        return config


# -- jobs (in worker processes) ------------------------------------------------------------
def _flow_report(sessions: Any, config: Any, pi: tuple[str, date, date], as_of: datetime) -> int:
    """The flow report of the last finished PI, as its route computes it (loads the ART)."""
    from app.reports.bodies_flow import flow_body
    from app.reports.context import FlowQuery, ReportContext, Window
    from app.reports.service import ReportService
    from art.vocabulary import Level

    art = config.arts[0].name
    service = ReportService(sessions, config)
    query = FlowQuery(Window(pi[1], pi[2] + timedelta(days=1)), None, Level.STORY)
    flow_body(ReportContext(art, as_of, service), query, "days", "week")
    return len(service.data(art).items)


def pull_and_report_job(
    db_url: str, config_dict: dict[str, Any], pi: tuple[str, date, date], as_of: datetime
) -> dict[str, Any]:
    """In a fresh process: a full pull then the first flow report, timed together."""
    runner, engine = pull_runner(db_url, config_dict)
    try:
        start = time.perf_counter()
        result = runner.run(full=True)
        pulled = time.perf_counter()
        if result.status != "succeeded":
            raise RuntimeError(f"pull failed: {result.error}")
        items = _flow_report(runner.sessions, runner.config, pi, as_of)
        done = time.perf_counter()
    finally:
        runner.close()
        engine.dispose()
    return {
        "seconds": done - start,
        "pull": pulled - start,
        "report": done - pulled,
        "fetched": result.counts.fetched,
        "requests": result.requests,
        "items": items,
        "rss_peak": peak_rss_bytes(),
    }


_SERVICE: dict[str, Any] = {}  # the warm worker's metadata per source, as SyncService keeps


def warm_pull_job(db_url: str, config_dict: dict[str, Any], full: bool) -> dict[str, Any]:
    """In a kept worker process: a pull sharing the source's metadata with the ones before."""
    from connectors.metadata import SourceMetadata

    metadata = _SERVICE.setdefault(config_dict["sources"][0]["name"], SourceMetadata())
    runner, engine = pull_runner(db_url, config_dict, metadata)
    try:
        result = runner.run(full=full)
    finally:
        runner.close()
        engine.dispose()
    if result.status != "succeeded":
        raise RuntimeError(f"pull failed: {result.error}")
    return {"requests": result.requests, "fetched": result.counts.fetched}


# -- the section -----------------------------------------------------------------------------
def wire_rows(
    stores: Stores,
    kinds: list[StoreKind],
    seed: int,
    items: int,
    teams: int,
    today: date,
    log: Any = print,
) -> list[Row]:
    """The full-pull and incremental rows for Jira Data Center and Azure DevOps."""
    rows: list[Row] = []
    for tracker in ("jira", "ado"):
        name = "jira (Data Center)" if tracker == "jira" else "ado"
        sim_class: Any = DataCenterSimulator if tracker == "jira" else None
        sim = (
            sim_class(seed, items, teams, today)
            if sim_class
            else Simulator("ado", seed, items, teams, today)
        )
        with sim:
            config = sim.config()
            assert sim.scenario is not None
            pi, as_of = last_finished_pi(sim.scenario), sim.scenario.as_of
            sim.ask("record", True)
            log(f"  wire: {name}: warm-up pull (recorded)")
            in_fresh_process(connector_job, config)
            calls = sim.ask("recorded")
            wire = _median_run([replay(sim.url, calls) for _ in range(REPLAYS)])
            rows.append(
                Row(
                    "wire",
                    f"{name} bare download",
                    items,
                    f"{secs(wire['seconds'])} ({wire['requests']} requests, {mb(wire['bytes'])}; "
                    f"the median of {REPLAYS})",
                    "reference",
                    None,
                    wire,
                )
            )
            rows += _floor_rows(sim, name, items, config, calls, wire["seconds"])
            for kind in kinds:
                log(f"  wire: {name}: full pull + first flow report into {kind}")
                url = stores.fresh(kind)
                try:
                    res = in_fresh_process(pull_and_report_job, url, config, pi, as_of)
                finally:
                    stores.drop(url)
                ratio = res["seconds"] / wire["seconds"]
                rows.append(
                    Row(
                        "wire",
                        f"{name} full pull + first flow report → {kind}",
                        items,
                        f"{ratio:.2f}x wire ({secs(res['seconds'])}: pull "
                        f"{secs(res['pull'])}, report {secs(res['report'])}; "
                        f"{res['fetched']:,} items, {res['requests']} requests)",
                        f"≤ {WIRE_TARGET[kind]:g}x wire",
                        ratio <= WIRE_TARGET[kind],
                        {**res, "wire_ratio": ratio},
                    )
                )
            rows += _warm_incremental(stores, sim, name, tracker, items, config, log)
    return rows


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median ``seconds``, with every run's seconds beside it."""
    middle = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    return {**middle, "samples": [run["seconds"] for run in runs]}


def _floor_rows(
    sim: Any, name: str, items: int, config: dict[str, Any], calls: Any, wire: float
) -> list[Row]:
    """What a pull cannot go below, as ratios of the bare download: the same answers
    downloaded and JSON-decoded, and the connector alone (fetch, decode, map; nothing stored).
    Reference rows: they say how much of a pull's ratio is left to the store."""
    decoded = _median_run([replay(sim.url, calls, parse=True) for _ in range(REPLAYS)])
    connector = _median_run([in_fresh_process(connector_job, config) for _ in range(REPLAYS)])
    floors = (
        ("download + JSON decode (nothing mapped)", decoded, ""),
        (
            "connector alone: fetch, decode, map (nothing stored)",
            connector,
            f"; {connector['fetched']:,} items",
        ),
    )
    return [
        Row(
            "wire",
            f"{name} {case}",
            items,
            f"{run['seconds'] / wire:.2f}x wire ({secs(run['seconds'])}, "
            f"the median of {REPLAYS}{more})",
            "reference",
            None,
            {**run, "wire_ratio": run["seconds"] / wire},
        )
        for case, run, more in floors
    ]


def _warm_incremental(
    stores: Stores,
    sim: Simulator,
    name: str,
    tracker: str,
    items: int,
    config: dict[str, Any],
    log: Any,
) -> list[Row]:
    rows = []
    url = stores.fresh("sqlite")
    pool = worker_pool()
    try:
        log(f"  wire: {name}: warm service: full pull, then incremental pulls")
        pool.submit(warm_pull_job, url, config, True).result()
        empty = pool.submit(warm_pull_job, url, config, False).result()
        rows.append(
            Row(
                "wire",
                f"{name} incremental pull, nothing new (warm service)",
                items,
                f"{empty['requests']} requests",
                f"≤ {EMPTY_TARGET}",
                empty["requests"] <= EMPTY_TARGET,
                empty,
            )
        )
        if tracker == "ado":
            changed = sim.ask("mutate", (CHANGED_SHARE, 99, now_plus(10)))
            res = pool.submit(warm_pull_job, url, config, False).result()
            budget = math.ceil(len(changed) / 200) + 4
            rows.append(
                Row(
                    "wire",
                    f"{name} incremental pull, {len(changed)} changed (warm service)",
                    items,
                    f"{res['requests']} requests ({res['fetched']} items)",
                    f"≤ ceil({len(changed)}/200) + 4 = {budget}",
                    res["requests"] <= budget,
                    {**res, "changed": len(changed), "budget": budget},
                )
            )
    finally:
        pool.shutdown()
        stores.drop(url)
    return rows


def memory_rows(
    stores: Stores, seed: int, items: int, teams: int, today: date, log: Any = print
) -> list[Row]:
    """Peak RSS of a full pull of ``items`` into SQLite, per tracker."""
    from bench.pulls import full_pull_job

    rows = []
    for tracker in ("jira", "ado"):
        name = "jira (Data Center)" if tracker == "jira" else "ado"
        sim: Simulator = (
            DataCenterSimulator(seed, items, teams, today)
            if tracker == "jira"
            else Simulator("ado", seed, items, teams, today)
        )
        with sim:
            url = stores.fresh("sqlite")
            log(f"  wire: {name}: full pull of {items:,} items for its peak RSS")
            try:
                res = in_fresh_process(full_pull_job, url, sim.config())
            finally:
                stores.drop(url)
        rows.append(
            Row(
                "wire RSS",
                f"{name} full pull → sqlite",
                items,
                f"{mb(res['rss_peak'])} peak ({res['fetched']:,} items, {secs(res['seconds'])})",
                f"< {mb(RSS_TARGET)}",
                res["rss_peak"] < RSS_TARGET,
                res,
            )
        )
    return rows
