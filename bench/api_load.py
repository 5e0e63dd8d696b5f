"""API under load: N client threads, each with its own keep-alive httpx connection, calling
one endpoint of the running service back to back for a fixed time.

Throughput is the responses completed per second; latency percentiles are over every
response. /healthz (no database, no auth) is measured in the same run as the ceiling of this
client and this server on this machine. The CPU seconds used by the client (this process)
and by the service process are recorded, to tell which side was the bottleneck.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from bench.procs import cpu_seconds
from bench.table import percentile


def hammer(
    base_url: str,
    path: str,
    headers: dict[str, str],
    seconds: float,
    threads: int,
    service_pid: int | None = None,
) -> dict[str, Any]:
    """Call ``path`` from ``threads`` threads for ``seconds``; throughput and latencies."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as warm:
        first = warm.get(path)  # fills the report cache before the clock starts
        first.raise_for_status()
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop_at = [0.0]

    def loop(n: int) -> None:
        mine, bad = latencies[n], 0
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
            client.get("/healthz")  # connect before the clock starts
            barrier.wait()
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at[0]:
                    break
                try:
                    ok = client.get(path).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    mine.append(time.perf_counter() - t0)
                else:
                    bad += 1
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
    every = sorted(x for lat in latencies for x in lat)
    return {
        "requests": len(every),
        "errors": sum(errors),
        "seconds": elapsed,
        "rps": len(every) / elapsed if elapsed else 0.0,
        "p50": percentile(every, 50),
        "p99": percentile(every, 99),
        "client_cpu": client_cpu / elapsed,
        "server_cpu": server_cpu / elapsed if server_cpu is not None else None,
        "bytes": len(first.content),
    }
