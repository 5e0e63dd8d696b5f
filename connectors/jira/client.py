"""The HTTP side of the connector: a ``jira.JIRA`` session, raw JSON, retries, error translation.

The library's ``JIRA`` object gives us the authenticated session (``basic_auth`` for Cloud's email +
API token, ``token_auth`` for a Data Center personal access token) and its URL scheme; we read raw
JSON through ``jira._session`` and page ourselves (docs/trackers.md "Client-library pitfalls
Trainyard handles": Resource objects halve throughput and ``maxResults=None`` silently stops after
one page). Every tracker or network error leaves this module as one of art.errors' connector errors.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

import requests
from jira import JIRA, JIRAError
from jira.resilientsession import parse_errors

from art.config import SourceConfig
from art.errors import (
    ConfigError,
    ConnectorAuthError,
    ConnectorError,
    RateLimited,
    TrackerUnavailable,
)
from connectors.jira.retry import RETRY_STATUSES, RetryPolicy
from connectors.json_body import read_json
from connectors.retry_after import parse_retry_after
from connectors.throttle import Throttle

Flavour = Literal["cloud", "datacenter"]
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class JiraRequestError(ConnectorError):
    """Jira answered 4xx (other than 401/403/429) to one request: the request was wrong."""

    def __init__(self, message: str, status: int, messages: list[str]) -> None:
        super().__init__(message)
        self.status, self.messages = status, messages


class JiraClient:
    """One source's session, shared by the workers of a pull (``concurrency``).
    ``requests`` counts every HTTP request sent, retries included."""

    def __init__(
        self,
        source: SourceConfig,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        flavour: Flavour | None = None,
    ) -> None:
        """``flavour``: the deployment type already learned (the source's metadata); when
        None, ``serverInfo`` is read to learn it."""
        self.source, self.retry = source, retry or RetryPolicy()
        self.requests = 0
        self.throttle = Throttle()  # a 429 pauses every worker of the source
        self._counting = threading.Lock()
        email, token = source.secret("email_env"), source.secret("token_env")
        if token is None:
            raise ConfigError(
                f"source '{source.name}': token_env must name the variable holding "
                "the API token (Cloud) or personal access token (Data Center)"
            )
        if source.flavour == "cloud" and email is None:
            raise ConfigError(
                f"source '{source.name}': Jira Cloud needs email_env (the "
                "account's e-mail) besides token_env"
            )
        self._basic = email is not None
        auth: dict[str, Any] = (
            {"basic_auth": (email, token)} if email is not None else {"token_auth": token}
        )
        self.jira = JIRA(
            server=source.url,
            get_server_info=False,
            max_retries=0,
            timeout=timeout,
            options={"check_update": False},
            **auth,
        )
        if flavour is None:
            info = self.get("serverInfo")
            detected: Flavour = "cloud" if info.get("deploymentType") == "Cloud" else "datacenter"
            flavour = detected if source.flavour == "auto" else source.flavour
        self.flavour: Flavour = flavour

    # -- requests --------------------------------------------------------------------------
    def url(self, path: str, agile: bool = False) -> str:
        if agile:
            return str(self.jira._get_url(path, base=JIRA.AGILE_BASE_URL))
        return str(self.jira._get_url(path))

    def get(self, path: str, params: dict[str, Any] | None = None, agile: bool = False) -> Any:
        return self.call("GET", path, params=params, agile=agile)

    def post(self, path: str, body: dict[str, Any], agile: bool = False) -> Any:
        return self.call("POST", path, body=body, agile=agile)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        agile: bool = False,
    ) -> Any:
        """One JSON request, retried on 429/5xx/network/truncated bodies within the policy."""
        url = self.url(path, agile)
        data = None if body is None else json.dumps(body)
        attempt = 0
        while True:
            self.throttle.wait()
            with self._counting:
                self.requests += 1
            retry_after: float | None = None
            try:
                response = self.jira._session.request(method, url, params=params, data=data)
                try:
                    return read_json(response.content)
                except ValueError:
                    problem = f"an unreadable (truncated?) JSON body from {method} {path}"
            except JIRAError as exc:
                status = exc.status_code or 0
                if status not in RETRY_STATUSES:
                    raise self._refused(method, path, status, exc) from None
                headers = exc.response.headers if exc.response is not None else {}
                retry_after = parse_retry_after(headers.get("Retry-After"))
                problem = f"HTTP {status} on {method} {path}"
                if status == 429:
                    problem = f"rate limited (HTTP 429) on {method} {path}"
            except NETWORK_ERRORS as exc:
                problem = f"{type(exc).__name__} on {method} {path}: {exc}"
            wait = self.retry.delay(attempt, retry_after)
            if wait is None:
                where = f"source '{self.source.name}' ({self.source.url})"
                if problem.startswith("rate limited"):
                    raise RateLimited(
                        f"{where}: still {problem} after {attempt} retries", retry_after
                    ) from None
                raise TrackerUnavailable(f"{where}: {problem}, after {attempt} retries") from None
            if problem.startswith("rate limited"):
                self.throttle.pause(self.retry.sleep, wait)
            else:
                self.retry.sleep(wait)
            attempt += 1

    def _refused(self, method: str, path: str, status: int, exc: JIRAError) -> ConnectorError:
        messages = parse_errors(exc.response) if exc.response is not None else [str(exc.text)]
        detail = "; ".join(m for m in messages if m) or (exc.text or "")
        if status in (401, 403):
            return ConnectorAuthError(
                f"source '{self.source.name}': Jira at {self.source.url} refused the credentials "
                f"(HTTP {status}) on {method} {path}: {self._auth_hint()}"
                + (f" Jira said: {detail}" if detail else "")
            )
        return JiraRequestError(
            f"source '{self.source.name}': Jira answered HTTP {status} to {method} {path}: "
            f"{detail or 'no detail'}",
            status,
            messages,
        )

    def _auth_hint(self) -> str:
        s = self.source
        if self._basic:
            return (
                f"check that {s.email_env} holds the account's e-mail (or user name on Data "
                f"Center) and {s.token_env} a valid API token of that account (Cloud: "
                "id.atlassian.com > Security > API tokens), and that the account may "
                "browse the configured projects."
            )
        return (
            f"check that {s.token_env} holds a valid, unexpired personal access token "
            "(Data Center: Profile > Personal Access Tokens); for Jira Cloud set "
            "email_env as well, since Cloud takes e-mail + API token."
        )

    def close(self) -> None:
        self.jira._session.close()
