"""What the azure-devops SDK does not do: 429 / Retry-After, bounded retries, error translation.

The SDK (msrest underneath) retries 5xx itself with long back-offs, ignores 429 and Retry-After
(docs/trackers.md "Client-library pitfalls Trainyard handles") and turns an HTML sign-in page into a
deserialization error. A :class:`Guard` replaces its ``_send_request`` so every call, the OPTIONS
negotiation included, goes through one loop that honours Retry-After (also on a throttled 200),
backs off with jitter, reads the body eagerly (so a reset or a truncated body is retried too) and
raises Trainyard's own errors.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from msrest.exceptions import ClientRequestError

from art.errors import ConnectorAuthError, ConnectorError, RateLimited, TrackerUnavailable
from connectors.json_body import read_json
from connectors.retry_after import parse_retry_after
from connectors.throttle import Throttle

log = logging.getLogger(__name__)
TRANSIENT = {408, 500, 502, 503, 504}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries: ``attempts`` tries in all, delays ``base * 2**n`` capped at ``cap``.

    Retry-After is honoured up to ``cap``; ``jitter`` adds up to that fraction at random.
    Tests pass tiny delays and their own ``sleep``.
    """

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0
    jitter: float = 0.2
    sleep: Callable[[float], None] = time.sleep

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        delay = retry_after if retry_after is not None else self.base * 2 ** (attempt - 1)
        return min(delay, self.cap) * (1 + self.jitter * random.random())


class AdoRequestError(ConnectorError):
    """The service refused a request (4xx): ``type_key`` is its exception type."""

    def __init__(self, message: str, status: int, type_key: str | None) -> None:
        super().__init__(message)
        self.status = status
        self.type_key = type_key


@dataclass(slots=True)
class Guard:
    """Per-connector retry state: the policy, the source named in errors, a request count."""

    policy: RetryPolicy
    source: str
    org_url: str
    token_env: str | None
    requests: int = 0
    waited: float = 0.0
    log: list[str] = field(default_factory=list)
    throttle: Throttle = field(default_factory=Throttle)  # a 429 pauses every worker
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    def wait(self, seconds: float) -> None:
        with self._lock:
            self.waited += seconds
        self.policy.sleep(seconds)

    def pause_all(self, seconds: float) -> None:
        """The service throttles the source: every worker waits ``seconds``, this one too."""
        with self._lock:
            self.waited += seconds
        self.throttle.pause(self.policy.sleep, seconds)

    def auth_error(self, status: int, url: str) -> ConnectorAuthError:
        where = f"the environment variable {self.token_env}" if self.token_env else "token_env"
        return ConnectorAuthError(
            f"Azure DevOps source '{self.source}' refused the credentials (HTTP {status} from "
            f"{url}). Check that the personal access token in {where} is valid, not expired, "
            f"belongs to organization {self.org_url} and has the Work Items (Read) scope."
        )


def _error_of(guard: Guard, response: requests.Response) -> AdoRequestError:
    try:
        body = read_json(response.content)
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    type_key = body.get("typeKey") if isinstance(body, dict) else None
    text = message or response.text[:200] or response.reason
    return AdoRequestError(
        f"Azure DevOps source '{guard.source}' refused {response.request.method} "
        f"{response.url}: HTTP {response.status_code}: {text}",
        response.status_code,
        type_key,
    )


def guarded_send(guard: Guard, send: Callable[[], requests.Response]) -> requests.Response:
    """Run ``send`` until it answers usable JSON, per :class:`RetryPolicy`.

    The parsed body is left on ``response.trainyard_json``.
    """
    policy = guard.policy
    for attempt in range(1, policy.attempts + 1):
        last = attempt == policy.attempts
        guard.throttle.wait()
        guard.count()
        try:
            response = send()
            body = response.content  # read now: a reset mid-body is retried below
        except (requests.RequestException, ClientRequestError) as exc:
            if last:
                raise TrackerUnavailable(
                    f"Azure DevOps source '{guard.source}' is unreachable at {guard.org_url}: "
                    f"{_reason(exc)}"
                ) from None
            guard.wait(policy.backoff(attempt))
            continue
        status = response.status_code
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if status in (401, 403):
            raise guard.auth_error(status, response.url)
        if status == 429 or status in TRANSIENT:
            if last:
                if status == 429:
                    raise RateLimited(
                        f"Azure DevOps source '{guard.source}' is throttling "
                        f"requests (HTTP 429) after {attempt} attempts",
                        wait,
                    )
                raise TrackerUnavailable(
                    f"Azure DevOps source '{guard.source}' kept failing: "
                    f"HTTP {status} from {response.url}"
                )
            if status == 429:
                guard.pause_all(policy.backoff(attempt, wait))
            else:
                guard.wait(policy.backoff(attempt, wait))
            continue
        content_type = response.headers.get("Content-Type", "")
        if status == 203 or (status < 300 and content_type.startswith("text/html")):
            raise guard.auth_error(status, response.url)  # the sign-in page
        if status >= 300:
            raise _error_of(guard, response)
        try:
            response.trainyard_json = read_json(body) if body else None  # type: ignore[attr-defined]
        except ValueError:
            if last:
                raise TrackerUnavailable(
                    f"Azure DevOps source '{guard.source}' sent malformed JSON from {response.url}"
                ) from None
            guard.wait(policy.backoff(attempt))
            continue
        if wait:  # a throttled 200: slow down before the next call, as the service asks
            guard.pause_all(min(wait, policy.cap))
        return response
    raise AssertionError("unreachable")


def _reason(exc: Exception) -> str:
    inner = exc.__context__ or exc
    return f"{type(exc).__name__}: {inner}"[:300]


class GuardedClientMixin:
    """Mixed into the SDK clients: routes their ``_send_request`` through :func:`guarded_send`."""

    _client: Any
    trainyard_guard: Guard

    def _send_request(
        self,
        request: Any,
        headers: Any = None,
        content: Any = None,
        media_type: Any = None,
        **operation_config: Any,
    ) -> requests.Response:
        def send() -> requests.Response:
            response: requests.Response = self._client.send(
                request=request, headers=headers, content=content, **operation_config
            )
            # msrest links the response to its own wrapper, which links back (for streamed
            # downloads, which JSON calls never make): a cycle that only the cyclic collector
            # frees. A pull makes it run rarely (sync.collector), so the feed's pages and
            # their parsed JSON piled up, tens of MB, until it did.
            vars(response).pop("_universal_http_response", None)
            return response

        return guarded_send(self.trainyard_guard, send)
