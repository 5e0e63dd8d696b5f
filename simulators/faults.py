"""Fault injection shared by the tracker simulators: switches a test flips to make one misbehave.

``Faults`` holds the switches (all off by default; a test may change them while the simulator
runs). ``FaultMiddleware`` wraps a simulator's ASGI app: it counts every request per endpoint in
a ``RequestLog`` and applies the request-level faults (rate limiting with Retry-After, 5xx,
slowness, truncated bodies, connections broken mid-body). The item-level switches
(``changelog_cap``, ``malformed``, ``change_during_paging``, ``search_order``, ``unserved``) are
read by each simulator, which knows what a history page, an item and a page are in its tracker.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Faults:
    """Misbehaviour switches. "every N" counts the requests the faults apply to, from 1."""

    page_cap: int | None = None  # overrides the simulator's page size cap
    rate_limit_every: int = 0  # every Nth request answers 429
    rate_limit_storm: int = 0  # the next K requests answer 429 (decremented as served)
    retry_after: int | None = 1  # Retry-After seconds on 429/503 (None: no header)
    error_every: int = 0  # every Nth request answers 500
    unavailable_storm: int = 0  # the next K requests answer 503
    delay: float = 0.0  # seconds added before every answer
    truncate_every: int = 0  # every Nth successful body is cut in half: invalid JSON
    reset_every: int = 0  # every Nth successful answer breaks off mid-body
    paths: tuple[str, ...] = ()  # apply request faults only to paths containing one of these
    changelog_cap: int | None = None  # histories per embedded history / history page
    malformed: set[str] = field(default_factory=set)  # item keys served malformed
    change_during_paging: str | None = None  # item changed right after the first page is served
    search_order: str | None = None  # searches sort by this ("key", "updated DESC"), not as asked
    unserved: set[str] = field(default_factory=set)  # counted in a search's total, never served


@dataclass
class RequestLog:
    """What the simulator saw: requests per ``"METHOD /route/template"`` and faults served."""

    counts: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.faults.clear()
            self.total = 0

    def count(self, prefix: str = "") -> int:
        """Requests served whose endpoint name contains ``prefix``."""
        return sum(n for name, n in self.counts.items() if prefix in name)


def _error_body(status: int) -> bytes:
    text = {
        429: "Rate limit exceeded.",
        500: "Internal server error (injected).",
        503: "Service unavailable (injected).",
    }[status]
    return json.dumps({"errorMessages": [text], "errors": {}}).encode()


class FaultMiddleware:
    """Counts requests and injects the request-level faults of ``faults``."""

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        log: RequestLog,
        error_body: Callable[[int], bytes] = _error_body,
    ) -> None:
        self.app, self.faults, self.log, self.error_body = app, faults, log, error_body
        self._seen = 0
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        f, path = self.faults, scope["path"]
        applies = not f.paths or any(p in path for p in f.paths)
        n, status = self._decide(applies)
        if f.delay:
            await asyncio.sleep(f.delay)
        if status:
            await self._refuse(send, status)
            return
        outgoing = send
        if applies and (_every(f.truncate_every, n) or _every(f.reset_every, n)):
            outgoing = _Cutter(send, reset=_every(f.reset_every, n))
            self._note("reset" if _every(f.reset_every, n) else "truncated")
        await self.app(scope, receive, outgoing)
        if isinstance(outgoing, _Cutter):
            await outgoing.flush()
        route = getattr(scope.get("route"), "path", path)
        with self.log._lock:
            self.log.counts[f"{scope['method']} {route}"] += 1

    def _decide(self, applies: bool) -> tuple[int, int]:
        """Count the request; return its number among the applicable ones and a fault status."""
        f = self.faults
        with self._lock:
            with self.log._lock:
                self.log.total += 1
            if not applies:
                return 0, 0
            self._seen += 1
            n = self._seen
            status = 0
            if f.rate_limit_storm > 0:
                f.rate_limit_storm -= 1
                status = 429
            elif f.unavailable_storm > 0:
                f.unavailable_storm -= 1
                status = 503
            elif _every(f.rate_limit_every, n):
                status = 429
            elif _every(f.error_every, n):
                status = 500
        if status:
            self._note(str(status))
        return n, status

    def _note(self, kind: str) -> None:
        with self.log._lock:
            self.log.faults[kind] += 1

    async def _refuse(self, send: Send, status: int) -> None:
        body = self.error_body(status)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if status in (429, 503) and self.faults.retry_after is not None:
            headers.append((b"retry-after", str(self.faults.retry_after).encode()))
        if status == 429:
            headers += [
                (b"x-ratelimit-limit", b"100"),
                (b"x-ratelimit-remaining", b"0"),
                (b"x-ratelimit-fillrate", b"10"),
                (b"x-ratelimit-interval-seconds", b"1"),
            ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _every(every: int, n: int) -> bool:
    return every > 0 and n > 0 and n % every == 0


class _Cutter:
    """Buffers a response and sends half its body: valid length (truncated JSON) or broken off."""

    def __init__(self, send: Send, reset: bool) -> None:
        self.send, self.reset = send, reset
        self.start: Message | None = None
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def flush(self) -> None:
        if self.start is None:
            return
        cut = self.body[: len(self.body) // 2]
        headers = [
            (k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"
        ]
        length = len(self.body) if self.reset else len(cut)
        headers.append((b"content-length", str(length).encode()))
        await self.send({**self.start, "headers": headers})
        await self.send({"type": "http.response.body", "body": cut, "more_body": self.reset})
        if self.reset:
            raise ConnectionResetError("injected: connection broken off mid-body")
