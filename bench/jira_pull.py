"""Benchmark the Jira connector against its simulator over loopback HTTP.

The simulator runs in a child process (its own CPU, as a real Jira would be); the parent runs
the connector. Measures a full pull of a generated ART (items per second, requests per
endpoint) and an incremental pull after a share of the work items changed (the requests it
made, with the warm connector and with a cold one that reads the site's metadata again).

    .venv/bin/python bench/jira_pull.py --items 20000 --changed 1 [--flavour datacenter]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from art.config import PIConfig, SourceConfig
from art.records import RecordBatch
from connectors.jira.connector import JiraConnector
from simulators.generator import generate_art, team_names
from simulators.jira import create_jira_simulator, sim_of
from simulators.server import BackgroundServer

TODAY = date(2026, 3, 2)
CREDENTIALS = {
    "BENCH_JIRA_EMAIL": "rte@example.com",
    "BENCH_JIRA_TOKEN": "cloud-token",
    "BENCH_JIRA_PAT": "dc-pat",
}


def _serve(
    pipe: Connection, seed: int, items: int, teams: int, flavour: str, page_cap: int
) -> None:
    """Child process: serve the simulator and obey the parent's commands."""
    scenario = generate_art(seed, items, teams, TODAY)
    app = create_jira_simulator(scenario, flavour, page_cap=page_cap)
    sim = sim_of(app)
    server = BackgroundServer(app).start()
    pipe.send(server.url)
    while True:
        command, arg = pipe.recv()
        if command == "mutate":
            keys = sim.mutate(fraction=arg, seed=seed)
            sim.log.reset()
            pipe.send(keys)
        elif command == "log":
            pipe.send((dict(sim.log.counts), sim.log.total))
            sim.log.reset()
        else:
            server.stop()
            pipe.send(None)
            return


def _source(url: str, flavour: str, teams: int) -> SourceConfig:
    names = team_names(teams)
    return SourceConfig.model_validate(
        {
            "name": f"bench-{flavour}",
            "kind": "jira",
            "url": url,
            "art": "Orion",
            "flavour": flavour,
            "email_env": "BENCH_JIRA_EMAIL" if flavour == "cloud" else None,
            "token_env": "BENCH_JIRA_TOKEN" if flavour == "cloud" else "BENCH_JIRA_PAT",
            "projects": [n.upper() for n in names],
            "team_rule": {"names": {n.upper(): n for n in names}},
            "statuses": {"Blocked": "wait", "Won't Do": "removed"},
            "page_size": 100,
        }
    )


def _pull(conn: JiraConnector, since: str | None) -> tuple[list[RecordBatch], float]:
    start = time.perf_counter()
    batches = list(conn.pull(since))
    return batches, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--changed", type=float, default=1.0, help="percent changed")
    parser.add_argument("--flavour", choices=["cloud", "datacenter"], default="cloud")
    parser.add_argument("--page-cap", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    os.environ.update(CREDENTIALS)

    started = time.perf_counter()
    scenario = generate_art(args.seed, args.items, args.teams, TODAY)
    generated = time.perf_counter() - started
    pis = [PIConfig(name=p.name, start=p.start, end=p.end) for p in scenario.pis]

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=_serve,
        args=(child, args.seed, args.items, args.teams, args.flavour, args.page_cap),
        daemon=True,
    )
    proc.start()
    url = parent.recv()
    try:
        source = _source(url, args.flavour, args.teams)
        conn = JiraConnector(source, pis)
        full, seconds = _pull(conn, None)
        pulled = sum(len(b.items) for b in full)
        parent.send(("log", None))
        full_counts, full_total = parent.recv()
        watermark = full[-1].watermark
        parent.send(("mutate", args.changed / 100))
        changed = set(parent.recv())
        warm, warm_seconds = _pull(conn, watermark)
        parent.send(("log", None))
        warm_counts, warm_total = parent.recv()
        conn.close()
        cold_conn = JiraConnector(source, pis)
        cold, _ = _pull(cold_conn, watermark)
        cold_conn.close()
        parent.send(("log", None))
        _, cold_total = parent.recv()
    finally:
        parent.send(("stop", None))
        parent.recv()
        proc.join(timeout=10)
    got = {i.key for b in warm for i in b.items}
    result = {
        "flavour": args.flavour,
        "items": args.items,
        "generate_seconds": round(generated, 2),
        "full_pull": {
            "issues": pulled,
            "seconds": round(seconds, 2),
            "issues_per_second": round(pulled / seconds),
            "requests": full_total,
            "by_endpoint": full_counts,
            "errors": sum(len(b.errors) for b in full),
        },
        "incremental": {
            "changed": len(changed),
            "issues": len(got),
            "all_changed_seen": changed <= got,
            "seconds": round(warm_seconds, 3),
            "requests": warm_total,
            "by_endpoint": warm_counts,
            "requests_cold_connector": cold_total,
            "issues_cold": sum(len(b.items) for b in cold),
        },
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
