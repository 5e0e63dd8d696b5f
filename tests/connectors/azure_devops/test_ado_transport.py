"""Throttling, retries and errors over real HTTP: what the SDK does not do on its own."""

from __future__ import annotations

import gc

import pytest
import requests

from art.errors import ConnectorAuthError, RateLimited, TrackerUnavailable
from connectors.azure_devops.transport import AdoRequestError, RetryPolicy
from simulators.server import free_port

from . import truth
from .conftest import TOKEN_ENV, Sim, SimFactory, Sleeps
from .test_ado_pull import assert_truth, item_rows


def test_429_burst_waits_for_retry_after(golden_sim: Sim) -> None:
    golden_sim.faults.rate_limit_storm = 2
    golden_sim.faults.retry_after = 3
    batches = golden_sim.pull()
    assert_truth(golden_sim, batches)
    assert golden_sim.log.faults["429"] == 2
    assert len(golden_sim.sleeps.calls) == 2
    assert all(3.0 <= s <= 3.0 * 1.2 for s in golden_sim.sleeps.calls)  # Retry-After + jitter
    assert sum(b.requests for b in batches) == golden_sim.log.total  # refused ones counted


def test_429_without_retry_after_backs_off_exponentially(golden_sim: Sim) -> None:
    golden_sim.faults.rate_limit_storm = 3
    golden_sim.faults.retry_after = None
    sleeps = Sleeps()
    golden_sim.pull(retry=RetryPolicy(base=0.5, cap=10, jitter=0.0, sleep=sleeps))
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_retry_after_on_a_200_slows_the_next_call(golden_sim: Sim) -> None:
    golden_sim.app.state.throttle.delay = 2
    golden_sim.app.state.throttle.retry_after = 1.5
    batches = golden_sim.pull()
    assert_truth(golden_sim, batches)
    assert golden_sim.sleeps.calls == [1.5, 1.5]


def test_endless_429_raises_rate_limited(golden_sim: Sim) -> None:
    golden_sim.faults.rate_limit_storm = 100
    with pytest.raises(RateLimited) as caught:
        golden_sim.pull(retry=RetryPolicy(attempts=4, base=0.001, sleep=Sleeps()))
    assert caught.value.retry_after == 1.0
    assert str(caught.value) == (
        "Azure DevOps source 'ado' is throttling requests (HTTP 429) after 4 attempts"
    )
    assert golden_sim.log.faults["429"] == 4


def test_errors_truncated_bodies_and_resets_are_retried(golden_sim: Sim) -> None:
    golden_sim.faults.error_every = 4
    golden_sim.faults.truncate_every = 5
    golden_sim.faults.reset_every = 7
    batches = golden_sim.pull()
    assert_truth(golden_sim, batches)
    assert set(golden_sim.log.faults) == {"500", "truncated", "reset"}
    assert sum(b.requests for b in batches) == golden_sim.log.total


def test_service_that_stays_down_is_unavailable(golden_sim: Sim) -> None:
    golden_sim.faults.unavailable_storm = 100
    with pytest.raises(TrackerUnavailable, match=r"source 'ado' kept failing: HTTP 503"):
        golden_sim.pull(retry=RetryPolicy(attempts=3, base=0.001, sleep=Sleeps()))


def test_slow_service_times_out_and_is_unavailable(golden_sim: Sim) -> None:
    golden_sim.faults.delay = 0.4
    connector = golden_sim.connector(
        retry=RetryPolicy(attempts=2, base=0.001, sleep=Sleeps()), timeout=0.1
    )
    with pytest.raises(TrackerUnavailable, match=r"source 'ado' is unreachable at"):
        list(connector.pull(None))


def test_unreachable_tracker(simulator: SimFactory, golden: object) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    sim = Sim(app=None, url=url, scenario=golden)  # type: ignore[arg-type]
    with pytest.raises(TrackerUnavailable) as caught:
        sim.pull(retry=RetryPolicy(attempts=2, base=0.001, sleep=Sleeps()))
    assert str(caught.value).startswith(
        f"Azure DevOps source 'ado' is unreachable at {url}/phoenix: "
    )


@pytest.mark.parametrize("failure", ["401", "203"])
def test_refused_token_names_the_source_and_what_to_check(
    simulator: SimFactory, golden: object, failure: str
) -> None:
    sim = simulator(golden, pat="another-token", auth_failure=failure)
    with pytest.raises(ConnectorAuthError) as caught:
        sim.pull()
    assert str(caught.value) == (
        f"Azure DevOps source 'ado' refused the credentials (HTTP {failure} from "
        f"{sim.url}/phoenix/_apis). Check that the personal access token in the environment "
        f"variable {TOKEN_ENV} is valid, not expired, belongs to organization "
        f"{sim.url}/phoenix and has the Work Items (Read) scope."
    )
    assert sim.log.total == 1  # no retry of a refused token
    assert sim.sleeps.calls == []


def test_page_cap_fault_overrides_the_simulator_cap(golden_sim: Sim) -> None:
    golden_sim.faults.page_cap = 10
    batches = golden_sim.pull()
    assert item_rows(batches) == truth.items(golden_sim.world)
    assert golden_sim.log.count("workItemRevisions") == 9  # 85 revisions, 10 a page


def test_unknown_project_is_reported_with_the_service_message(golden_sim: Sim) -> None:
    with pytest.raises(AdoRequestError) as caught:
        golden_sim.pull(project="Nope")
    assert caught.value.status == 404
    assert str(caught.value) == (
        f"Azure DevOps source 'ado' refused GET {golden_sim.url}/phoenix/Nope/_apis/wit/fields:"
        " HTTP 404: TF200016: The following project does not exist: Nope."
    )


def test_responses_are_freed_as_soon_as_read_not_left_to_the_cyclic_collector(
    golden_sim: Sim,
) -> None:
    """A pull runs the cyclic collector rarely (sync.collector): a response in a reference
    cycle keeps its body and parsed JSON until it runs, and a full pull's pages piled up."""
    gc.collect()
    gc.disable()
    try:
        batches = golden_sim.pull()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection would free is kept to be looked at
        gc.collect()
        cyclic = [o for o in gc.garbage if isinstance(o, requests.Response)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert sum(b.requests for b in batches) == golden_sim.log.total > 10
    assert cyclic == []
