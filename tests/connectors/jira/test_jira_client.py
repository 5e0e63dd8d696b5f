"""Retry policy, flavour detection and the JQL the connector writes."""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from fastapi import FastAPI, Request
from jira_support import Sleeps, source_for

from art.errors import ConfigError, ConnectorError
from connectors.jira.client import JiraClient
from connectors.jira.connector import JiraConnector
from connectors.jira.retry import RetryPolicy
from connectors.jira.search import ORDER, search_pages
from simulators.jira import create_jira_simulator
from simulators.scenario import Scenario

Running = Callable[[FastAPI], AbstractContextManager[str]]


def test_delays_grow_with_jitter_and_respect_retry_after() -> None:
    policy = RetryPolicy(
        max_retries=3, base_delay=1.0, max_delay=10.0, jitter=0.5, rng=random.Random(1)
    )
    waits = [policy.delay(n, None) for n in range(3)]
    assert [w is not None and 2**n * 0.5 <= w <= 2**n for n, w in enumerate(waits)] == [True] * 3
    assert policy.delay(0, 7.0) == 7.0  # never sooner than asked
    assert policy.delay(3, 1.0) is None  # bounded
    assert policy.delay(0, 11.0) is None  # longer than we hold a worker: give up


@pytest.mark.parametrize(
    ("flavour", "users", "email_env", "token_env"),
    [
        ("cloud", None, "JIRA_EMAIL", "JIRA_TOKEN"),
        ("datacenter", None, None, "JIRA_PAT"),
        ("datacenter", {"rte@example.com": "cloud-token"}, "JIRA_EMAIL", "JIRA_TOKEN"),
    ],
)
def test_the_flavour_is_read_from_server_info(
    flavour: str,
    users: dict[str, str] | None,
    email_env: str | None,
    token_env: str,
    scenario: Scenario,
    running: Running,
) -> None:
    app = create_jira_simulator(scenario, flavour, users=users)
    with running(app) as url:
        source = source_for(url, scenario, "auto", email_env=email_env, token_env=token_env)
        client = JiraClient(source, RetryPolicy(sleep=Sleeps()))
        assert client.flavour == flavour
        assert client.get("myself")["emailAddress"] == "rte@example.com"
        client.close()


def test_cloud_needs_an_email(scenario: Scenario) -> None:
    source = source_for("https://x.atlassian.net", scenario, "cloud", email_env=None)
    with pytest.raises(ConfigError, match="Jira Cloud needs email_env"):
        JiraClient(source)


def test_the_search_is_bounded_and_ordered_for_resuming(scenario: Scenario) -> None:
    source = source_for(
        "https://x", scenario, "cloud", projects=["ATLAS"], jql="labels = train ORDER BY Rank"
    )
    conn = JiraConnector(source, [])
    assert conn._jql(None) == (
        'project in ("ATLAS") AND (labels = train) ORDER BY updated ASC, key ASC'
    )
    assert conn._jql("2026-03-01T10:05:30+00:00") == (
        'project in ("ATLAS") AND (labels = train) AND updated >= "2026/03/01 10:03" '
        "ORDER BY updated ASC, key ASC"
    )
    with pytest.raises(ConfigError, match="set projects or jql"):
        JiraConnector(source_for("https://x", scenario, "cloud", projects=[]), [])._jql(None)


def _cloud_with_broken_cursor(token_after_first: str | None) -> FastAPI:
    """A Cloud search whose second page says it is not the last yet gives ``token_after_first``
    (None: no token at all) as its next page token."""
    app = FastAPI()

    @app.get("/rest/api/2/serverInfo")
    async def server_info() -> dict[str, str]:
        return {"deploymentType": "Cloud"}

    @app.post("/rest/api/2/search/jql")
    async def search(request: Request) -> dict[str, object]:
        token = (await request.json()).get("nextPageToken")
        n = 2 if token else 1
        issue = {
            "id": str(n),
            "key": f"A-{n}",
            "fields": {"updated": f"2026-03-0{n}T10:00:00.000Z"},
        }
        page: dict[str, object] = {"issues": [issue], "isLast": False}
        following = "t1" if token is None else token_after_first
        if following is not None:
            page["nextPageToken"] = following
        return page

    return app


@pytest.mark.parametrize(
    ("token", "problem"),
    [(None, "no nextPageToken"), ("t1", "the same nextPageToken again")],
)
def test_a_cloud_cursor_that_cannot_go_on_fails_instead_of_ending_the_search(
    token: str | None, problem: str, scenario: Scenario, running: Running
) -> None:
    with running(_cloud_with_broken_cursor(token)) as url:
        client = JiraClient(source_for(url, scenario, "cloud"), RetryPolicy(max_retries=0))
        pages: list[list[str]] = []
        with pytest.raises(ConnectorError) as caught:
            for page in search_pages(client, 'project = "A"' + ORDER, ["updated"], 50):
                pages.append([i["key"] for i in page])
        client.close()
    assert pages == [["A-1"], ["A-2"]]
    assert str(caught.value) == (
        "source 'jira-cloud': Jira's search/jql answered a page that is not the last "
        f"(isLast: False) with {problem}, so the rest of the search cannot be read. "
        'Search: project = "A" ORDER BY updated ASC, key ASC'
    )
