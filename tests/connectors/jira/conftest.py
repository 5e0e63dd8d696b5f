"""Fixtures for the Jira connector tests: a generated ART, the simulator over real HTTP,
a source configured for it, and a retry policy that records its waits instead of sleeping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from jira_support import CREDENTIALS, TODAY, Sleeps, pis_of, source_for

from connectors.jira.connector import JiraConnector
from connectors.jira.retry import RetryPolicy
from simulators.generator import generate_art
from simulators.scenario import Scenario
from simulators.server import serve


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def scenario() -> Scenario:
    """A few hundred items: several pages at the default page size of tests (50)."""
    return generate_art(seed=11, items=300, teams=4, today=TODAY)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(max_retries=4, base_delay=0.01, max_delay=60.0, sleep=sleeps)


@pytest.fixture
def running() -> Callable[[FastAPI], AbstractContextManager[str]]:
    """``with running(app) as url``: the app on a loopback port."""

    @contextmanager
    def start(app: FastAPI) -> Iterator[str]:
        with serve(app) as url:
            yield url

    return start


@pytest.fixture
def connect(retry: RetryPolicy) -> Iterator[Callable[..., JiraConnector]]:
    """Build connectors for a simulator URL; closed at the end of the test."""
    made: list[JiraConnector] = []

    def build(
        url: str, scenario: Scenario, flavour: str, timeout: float = 5.0, **overrides: Any
    ) -> JiraConnector:
        conn = JiraConnector(
            source_for(url, scenario, flavour, **overrides),
            pis_of(scenario),
            retry=retry,
            timeout=timeout,
        )
        made.append(conn)
        return conn

    yield build
    for conn in made:
        conn.close()
