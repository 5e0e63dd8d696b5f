"""Fixtures for the Azure DevOps connector: a simulator on loopback and connectors pointed at it.

The azure-devops SDK caches OPTIONS answers on disk at import, in AZURE_DEVOPS_CACHE_DIR, so
the cache goes to a directory of this test session (set before the SDK is first imported;
when another test module imported it earlier, its cache file is redirected instead).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

_CACHE = tempfile.mkdtemp(prefix="trainyard-ado-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
if "azure.devops" not in sys.modules:
    os.environ["AZURE_DEVOPS_CACHE_DIR"] = _CACHE
else:  # pragma: no cover - depends on test order
    from azure.devops import _file_cache

    _file_cache.OPTIONS_CACHE.file_name = os.path.join(_CACHE, "options.json")
    _file_cache.OPTIONS_CACHE.clear()

from fastapi import FastAPI  # noqa: E402

from art.config import PIConfig, SourceConfig  # noqa: E402
from art.records import RecordBatch  # noqa: E402
from connectors.azure_devops.connector import AzureDevOpsConnector  # noqa: E402
from connectors.azure_devops.transport import RetryPolicy  # noqa: E402
from simulators.azure_devops import AdoWorld, ado_world, create_ado_simulator  # noqa: E402
from simulators.faults import Faults, RequestLog  # noqa: E402
from simulators.scenario import Scenario, load_scenario  # noqa: E402
from simulators.server import serve  # noqa: E402

PAT = "test-pat-0123"
TOKEN_ENV = "TRAINYARD_TEST_ADO_PAT"
SECRET_ENV = "TRAINYARD_TEST_ADO_HOOK_SECRET"
FIXTURES = Path(__file__).parents[2] / "fixtures"
GOLDEN = FIXTURES / "golden" / "reference-art.json"
REST_SAMPLES = FIXTURES / "tracker-samples" / "microsoft_vsts_rest_api_specs"
HOOK_SAMPLES = FIXTURES / "tracker-samples" / "microsoft_azure_devops_docs_service_hooks"


@dataclass
class Sleeps:
    """A fake ``sleep`` that records the delays asked for."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_source(url: str, **overrides: Any) -> SourceConfig:
    os.environ[TOKEN_ENV] = PAT
    values: dict[str, Any] = {
        "name": "ado",
        "kind": "azure-devops",
        "url": f"{url}/phoenix",
        "art": "Phoenix",
        "project": "Phoenix",
        "token_env": TOKEN_ENV,
        "statuses": {"Blocked": "wait"},
    }
    values.update(overrides)
    return SourceConfig(**values)


def pis_of(scenario: Scenario) -> list[PIConfig]:
    return [PIConfig(name=p.name, start=p.start, end=p.end) for p in scenario.pis]


@dataclass
class Sim:
    """A running simulator with what tests need to drive it and to check what it saw."""

    app: FastAPI
    url: str
    scenario: Scenario
    sleeps: Sleeps = field(default_factory=Sleeps)

    @property
    def world(self) -> AdoWorld:
        return ado_world(self.app)

    @property
    def log(self) -> RequestLog:
        log: RequestLog = self.app.state.requests
        return log

    @property
    def faults(self) -> Faults:
        faults: Faults = self.app.state.faults
        return faults

    def connector(self, **overrides: Any) -> AzureDevOpsConnector:
        kwargs = {
            k: overrides.pop(k)
            for k in ("retry", "wiql_window", "feed_page_size", "timeout")
            if k in overrides
        }
        kwargs.setdefault("retry", RetryPolicy(base=0.001, cap=5.0, sleep=self.sleeps))
        return AzureDevOpsConnector(
            make_source(self.url, **overrides), pis_of(self.scenario), **kwargs
        )

    def pull(self, since: str | None = None, **overrides: Any) -> list[RecordBatch]:
        connector = self.connector(**overrides)
        try:
            return list(connector.pull(since))
        finally:
            connector.close()


SimFactory = Callable[..., Sim]


@pytest.fixture(scope="session")
def golden() -> Scenario:
    return load_scenario(GOLDEN)


@pytest.fixture
def simulator() -> Iterator[SimFactory]:
    """Start simulators for a test: ``simulator(scenario, **create_ado_simulator kwargs)``."""
    stack: list[Any] = []

    def start(scenario: Scenario, **kwargs: Any) -> Sim:
        kwargs.setdefault("pat", PAT)
        app = create_ado_simulator(scenario, **kwargs)
        context = serve(app)
        url = context.__enter__()
        stack.append(context)
        return Sim(app, url, scenario)

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def golden_sim(simulator: SimFactory, golden: Scenario) -> Sim:
    return simulator(golden)
