"""Run an ASGI app (a simulator) on a loopback port in a background thread.

Tests, the demo and the benchmarks talk to simulators over real HTTP; this starts uvicorn on
a free port and stops it cleanly.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


THREAD_NAME = "simulator"  # the thread serving a simulator (log filters recognise it)


class _OwnLogging(uvicorn.Config):
    """A config that leaves the process's logging alone: uvicorn's default would replace the
    handlers of its loggers, and ``access_log=False`` would stop ``uvicorn.access`` from
    propagating, silencing the access log of the service the demo's simulators run in."""

    def configure_logging(self) -> None:
        return None


class BackgroundServer:
    """uvicorn serving ``app`` on ``host:port`` from a daemon thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        config = _OwnLogging(app, host=host, port=self.port, access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name=THREAD_NAME)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextmanager
def serve(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve ``app`` for the duration of the block; yields its base URL."""
    server = BackgroundServer(app, host, port).start()
    try:
        yield server.url
    finally:
        server.stop()
