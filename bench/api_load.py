"""API under load: N client threads, each with its own keep-alive httpx connection, calling
one endpoint (or a rotation of endpoints) of the running service back to back for a fixed time.

Throughput is the responses completed per second; latency percentiles are over every
response. /healthz (no database, no auth) is measured in the same run as the ceiling of this
client and this server on this machine. The CPU seconds used by the client (this process)
and by the service process are recorded, to tell which side was the bottleneck.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx

from bench.procs import cpu_seconds
from bench.table import percentile


def hammer(
    base_url: str,
    path: str | Sequence[str],
    headers: dict[str, str],
    seconds: float,
    threads: int,
    service_pid: int | None = None,
) -> dict[str, Any]:
    """Call ``path`` from ``threads`` threads for ``seconds``; throughput and latencies.

    Given several paths, each thread calls them in turn (thread n starts at the n-th), and
    the latencies are also given per path (``by_path``)."""
    paths = [path] if isinstance(path, str) else list(path)
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as warm:
        for each in paths:
            first = warm.get(each)  # fills the report cache before the clock starts
            first.raise_for_status()
    latencies: list[list[tuple[int, float]]] = [[] for _ in range(threads)]
    errors = [0] * threads
    failures: list[str] = []
    barrier = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def loop(n: int) -> None:
        mine, bad, turn = latencies[n], 0, n
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            client.get("/healthz")  # connect before the clock starts
            barrier.wait()
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at[0]:
                    break
                which, turn = turn % len(paths), turn + 1
                try:
                    status = client.get(paths[which]).status_code
                    why = f"HTTP {status}"
                except httpx.HTTPError as exc:
                    status, why = 0, f"{type(exc).__name__}: {exc}"
                if status == 200:
                    mine.append((which, time.perf_counter() - t0))
                else:
                    bad += 1
                    if len(failures) < 5:
                        failures.append(f"{paths[which]}: {why}"[:200])
        errors[n] = bad

    workers = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(threads)]
    for w in workers:
        w.start()
    client_cpu0 = cpu_seconds()
    server_cpu0 = cpu_seconds(service_pid) if service_pid else None
    start = time.perf_counter()
    stop_at[0] = start + seconds
    barrier.wait()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    client_cpu = cpu_seconds() - client_cpu0
    server_cpu = cpu_seconds(service_pid) - server_cpu0 if server_cpu0 is not None else None
    every = sorted(x for lat in latencies for _, x in lat)
    out = {
        "requests": len(every),
        "errors": sum(errors),
        "failures": failures,
        "seconds": elapsed,
        "rps": len(every) / elapsed if elapsed else 0.0,
        "p50": percentile(every, 50),
        "p99": percentile(every, 99),
        "client_cpu": client_cpu / elapsed,
        "server_cpu": server_cpu / elapsed if server_cpu is not None else None,
        "bytes": len(first.content),
    }
    if len(paths) > 1:
        out["by_path"] = {
            p: _spread(sorted(x for lat in latencies for w, x in lat if w == i))
            for i, p in enumerate(paths)
        }
    return out


def _spread(latencies: list[float]) -> dict[str, Any]:
    """Count, p50 and p99 of one path's ascending latencies."""
    return {
        "requests": len(latencies),
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
    }
