"""Benchmark the Azure DevOps connector against its simulator over loopback HTTP.

The simulator runs in a child process (its own CPU, as a real tracker would be); the parent
runs the connector. Measures a full pull of a generated ART (items per second, requests per
endpoint) and an incremental pull after a share of the items changed (requests it made, with
a warm connector that keeps its metadata and with a cold one).

    .venv/bin/python bench/ado_pull.py --items 20000 --changed 1
"""

from __future__ import annotations

import argparse
import atexit
import multiprocessing as mp
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "AZURE_DEVOPS_CACHE_DIR" not in os.environ:  # the SDK's OPTIONS cache: ours, thrown away
    os.environ["AZURE_DEVOPS_CACHE_DIR"] = tempfile.mkdtemp(prefix="ado-bench-")
    atexit.register(shutil.rmtree, os.environ["AZURE_DEVOPS_CACHE_DIR"], True)

from art.config import PIConfig, SourceConfig
from art.records import RecordBatch
from connectors.azure_devops.connector import AzureDevOpsConnector
from simulators.azure_devops import ado_world, create_ado_simulator
from simulators.generator import generate_art
from simulators.scenario import Scenario
from simulators.server import BackgroundServer

PAT = "bench-pat"
TODAY = date(2026, 3, 2)


def _scenario(seed: int, items: int) -> Scenario:
    return generate_art(seed, items, today=TODAY)


def _serve(pipe: Connection, seed: int, items: int) -> None:
    """Child process: serve the simulator and obey the parent's commands."""
    scenario = _scenario(seed, items)
    app = create_ado_simulator(scenario, pat=PAT)
    world, log = ado_world(app), app.state.requests
    server = BackgroundServer(app).start()
    pipe.send((server.url, len(world.feed)))
    while True:
        command, arg = pipe.recv()
        if command == "mutate":
            rng = random.Random(seed)
            live = [i.key for i in scenario.items if not i.deleted]
            picked = rng.sample(live, max(1, round(len(live) * arg / 100)))
            for key in picked:
                world.mutate(
                    key,
                    status=rng.choice(list(scenario.statuses)),
                    points=rng.choice((1, 2, 3, 5, 8)),
                )
            pipe.send(len(picked))
        elif command == "reset":
            log.reset()
            pipe.send(None)
        elif command == "counts":
            pipe.send(dict(log.counts))
        else:
            server.stop()
            pipe.send(None)
            return


def _source(url: str) -> SourceConfig:
    os.environ["TRAINYARD_BENCH_ADO_PAT"] = PAT
    return SourceConfig(
        name="ado-bench",
        kind="azure-devops",
        url=f"{url}/phoenix",
        art="Orion",
        project="Phoenix",
        token_env="TRAINYARD_BENCH_ADO_PAT",
        statuses={"Blocked": "wait"},
    )


def _summary(batches: list[RecordBatch]) -> dict[str, int]:
    return {
        "batches": len(batches),
        "items": sum(len(b.items) for b in batches),
        "changes": sum(len(b.changes) for b in batches),
        "links": sum(len(b.links) for b in batches),
        "objectives": sum(len(b.objectives) for b in batches),
        "risks": sum(len(b.risks) for b in batches),
        "errors": sum(len(b.errors) for b in batches),
        "requests": sum(b.requests for b in batches),
    }


def _ask(pipe: Connection, command: str, arg: Any = None) -> Any:
    pipe.send((command, arg))
    return pipe.recv()


def _endpoints(pipe: Connection) -> str:
    counts: dict[str, int] = _ask(pipe, "counts")
    return ", ".join(
        f"{name.split('/_apis/')[-1] or 'OPTIONS'}={n}" for name, n in sorted(counts.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--changed", type=float, default=1.0, help="percent of items changed")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    pipe, child_end = mp.Pipe()
    child = mp.Process(target=_serve, args=(child_end, args.seed, args.items), daemon=True)
    child.start()
    url, revisions = pipe.recv()
    scenario = _scenario(args.seed, args.items)
    pis = [PIConfig(name=p.name, start=p.start, end=p.end) for p in scenario.pis]
    print(f"simulator: {len(scenario.items)} items, {revisions} revisions, {url}")

    connector = AzureDevOpsConnector(_source(url), pis)
    t0 = time.perf_counter()
    full = list(connector.pull(None))
    elapsed = time.perf_counter() - t0
    done = _summary(full)
    print(f"full pull: {elapsed:.2f} s, {done['items'] / elapsed:,.0f} items/s, {done}")
    print(f"  requests: {_endpoints(pipe)}")

    changed = _ask(pipe, "mutate", args.changed)
    for label, pulling in (("warm", connector), ("cold", AzureDevOpsConnector(_source(url), pis))):
        _ask(pipe, "reset")
        t0 = time.perf_counter()
        batches = list(pulling.pull(full[-1].watermark))
        took = time.perf_counter() - t0
        print(
            f"incremental, {label} connector, {changed} items changed ({args.changed:g}%): "
            f"{took:.2f} s, {_summary(batches)}"
        )
        print(f"  requests: {_endpoints(pipe)}")
        pulling.close()
    _ask(pipe, "stop")
    child.join(timeout=10)


if __name__ == "__main__":
    main()
