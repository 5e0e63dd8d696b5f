"""Full and incremental pulls over real HTTP against the simulator, both flavours."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta

import pytest
from fastapi import FastAPI
from jira_support import Pulled, assert_matches, expected_links, pis_of, source_for

from connectors.base import Connector
from connectors.jira.connector import JiraConnector
from connectors.jira.retry import RetryPolicy
from connectors.metadata import SourceMetadata
from simulators.jira import create_jira_simulator, sim_of
from simulators.scenario import Scenario

Running = Callable[[FastAPI], AbstractContextManager[str]]
FLAVOURS = ["cloud", "datacenter"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_full_pull_reproduces_the_scenario(
    flavour: str, scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    app = create_jira_simulator(scenario, flavour, page_cap=50)
    with running(app) as url:
        # a generous timeout: the request count below is exact, and a page that took more
        # than the fixture's 5 s on a loaded machine would be asked for again (a retry)
        conn = connect(url, scenario, flavour, timeout=60.0)
        assert isinstance(conn, Connector)
        batches = list(conn.pull(None))
    pulled = Pulled(batches)
    alive = [i for i in scenario.items if not i.deleted]
    assert pulled.errors == []
    assert assert_matches(pulled, scenario) == len(alive) == 298  # 2 of 300 deleted
    assert {k for k in pulled.links if k[2] != "parent"} | {
        k for k in pulled.links if k[2] == "parent"
    } == expected_links(scenario)
    assert len(alive) + len(scenario.objectives) + len(scenario.risks) == 355
    # sprints first, then pages of 50 (Data Center: 49 new ones after the first, since each
    # page starts one issue early to notice a shift)
    assert [len(b.items) for b in batches] == (
        [0] + [50] * 7 + [5] if flavour == "cloud" else [0, 50] + [49] * 6 + [11]
    )
    assert batches[0].items == [] and len(batches[0].iterations) == 4 * 20
    assert {t.key for t in batches[0].teams} == set(scenario.teams)
    assert all(b.complete_history_for == {i.key for i in b.items} for b in batches)
    marks = [b.watermark for b in batches[1:]]
    assert marks == sorted(marks)  # type: ignore[type-var]
    assert marks[-1] == max(i.updated for i in scenario.items if not i.deleted).isoformat()
    assert sum(b.requests for b in batches) == sim_of(app).log.total
    if flavour == "cloud":
        assert sim_of(app).log.count("search/jql") == 8
        assert sim_of(app).log.count("bulkfetch") == 8
    else:
        assert sim_of(app).log.count("/search") == 8
        assert sim_of(app).log.count("bulkfetch") == 0


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_objectives_risks_and_iterations(
    flavour: str, scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    with running(create_jira_simulator(scenario, flavour, page_cap=100)) as url:
        pulled = Pulled(list(connect(url, scenario, flavour).pull(None)))
    assert {
        (o.key, o.team, o.pi, o.text, o.committed, o.planned_bv, o.actual_bv, o.items)
        for o in pulled.objectives.values()
    } == {
        (
            o.key,
            o.team,
            o.pi,
            o.text,
            o.committed,
            float(o.planned_bv or 0),
            None if o.actual_bv is None else float(o.actual_bv),
            tuple(sorted(o.items)),
        )
        for o in scenario.objectives
    }
    assert {(r.key, r.pi, r.text, r.owner, r.roam.value) for r in pulled.risks.values()} == {
        (r.key, r.pi, r.text, r.owner, r.roam) for r in scenario.risks
    }
    by_name = {(it.team, it.name): it for it in pulled.iterations.values()}
    for pi in scenario.pis:
        for it in pi.iterations:
            for team in scenario.teams:
                rec = by_name[(team, it.name)]
                assert (rec.start, rec.end, rec.pi) == (it.start, it.end, pi.name)
    items = pulled.items
    for item in scenario.items:
        if not item.deleted and item.current("iteration") is not None:
            assert items[item.key].pi == scenario.iteration(str(item.current("iteration")))[0].name


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_incremental_pull_picks_up_exactly_the_changed_items(
    flavour: str, scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    app = create_jira_simulator(scenario, flavour, page_cap=50)
    sim = sim_of(app)
    with running(app) as url:
        conn = connect(url, scenario, flavour)
        full = list(conn.pull(None))
        watermark = full[-1].watermark
        assert watermark is not None
        changed = set(sim.mutate(fraction=0.01, seed=5))
        sim.log.reset()
        batches = list(conn.pull(watermark))
    pulled = Pulled([full[0], *batches])  # the sprints came with the full pull
    floor = (datetime.fromisoformat(watermark) - timedelta(minutes=2)).replace(
        second=0, microsecond=0
    )
    expected = {i.key for i in scenario.items if not i.deleted and i.updated >= floor} | {
        o.key for o in scenario.objectives if o.key in pulled.objectives
    }
    assert len(changed) == 3 and changed <= set(pulled.items)
    assert set(pulled.items) == expected
    assert assert_matches(pulled, scenario, changed) == 3
    assert batches[-1].watermark == max(scenario.item(k).updated for k in changed).isoformat()
    # metadata and sprints are still fresh: one search page (and, on Cloud, one changelog call)
    assert sim.log.total == sum(b.requests for b in batches) == (2 if flavour == "cloud" else 1)
    assert batches[0].iterations == []


def test_a_second_pull_with_nothing_changed_sends_no_items(
    scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    app = create_jira_simulator(scenario, "cloud", page_cap=50)
    with running(app) as url:
        conn = connect(url, scenario, "cloud")
        watermark = list(conn.pull(None))[-1].watermark
        later = (datetime.fromisoformat(str(watermark)) + timedelta(hours=1)).isoformat()
        batches = list(conn.pull(later))
    # the sprints' batch (none: still fresh), then the empty search's request
    assert [(b.items, b.requests, b.watermark) for b in batches] == [([], 0, None), ([], 1, None)]


def test_incremental_jql_is_written_in_the_users_time_zone(
    scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    app = create_jira_simulator(scenario, "cloud", time_zone="America/Los_Angeles")
    with running(app) as url:
        conn = connect(url, scenario, "cloud")
        full = Pulled(list(conn.pull(None)))
        assert assert_matches(full, scenario) == 298  # timestamps arrive as -0800 / -0700
        mark = "2026-03-01T20:30:00+00:00"
        assert 'updated >= "2026/03/01 12:28"' in conn._jql(mark)
        since = Pulled(list(conn.pull(mark)))
    cut = datetime.fromisoformat("2026-03-01T20:28:00+00:00")
    assert set(since.items) == {
        i.key for i in scenario.items if not i.deleted and i.updated >= cut
    } | {k for k, o in full.objectives.items() if full.items[k].updated_at >= cut}


def test_fetch_by_key_and_deleted_items(
    scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    app = create_jira_simulator(scenario, "cloud")
    sim = sim_of(app)
    keys = [i.key for i in scenario.items if not i.deleted][:3]
    with running(app) as url:
        conn = connect(url, scenario, "cloud")
        sprints = next(iter(conn.pull(None)))  # the iterations the items refer to
        batch = conn.fetch(keys)
        sim.delete(keys[1])
        again = conn.fetch(keys)
    assert sorted(i.key for i in batch.items) == sorted(keys) and batch.deletions == []
    assert batch.complete_history_for == set(keys)
    assert [d.key for d in again.deletions] == [keys[1]]
    assert {i.key for i in again.items} == {keys[0], keys[2]}
    assert assert_matches(Pulled([sprints, again]), scenario, {keys[0], keys[2]}) == 2


def test_a_fetch_gives_an_issue_outside_the_jql_filter_as_deleted(
    scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    """A webhook or a link may name any issue: one the source's filter leaves out is not
    stored (and a stored one that left the filter is deleted), as a full pull would do."""
    live = [i for i in scenario.items if not i.deleted]
    done = next(i.key for i in live if i.current("status") == "Done")
    open_ = next(i.key for i in live if i.current("status") != "Done")
    app = create_jira_simulator(scenario, "cloud")
    with running(app) as url:
        conn = connect(url, scenario, "cloud", jql='status != "Done" ORDER BY key')
        next(iter(conn.pull(None)))
        sim_of(app).log.reset()
        batch = conn.fetch([done, open_])
    assert [i.key for i in batch.items] == [open_]
    assert [d.key for d in batch.deletions] == [done]
    assert sim_of(app).log.count("/search") == 2  # the issues, then which the filter selects


def test_a_fetch_gives_an_issue_of_another_project_as_deleted_without_asking_again(
    scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    projects = sorted({i.key.rsplit("-", 1)[0] for i in scenario.items})
    live = [i for i in scenario.items if not i.deleted]
    ours = next(i.key for i in live if i.key.startswith(projects[0] + "-"))
    theirs = next(i.key for i in live if i.key.startswith(projects[1] + "-"))
    app = create_jira_simulator(scenario, "cloud")
    with running(app) as url:
        conn = connect(url, scenario, "cloud", projects=[projects[0]])
        next(iter(conn.pull(None)))
        sim_of(app).log.reset()
        batch = conn.fetch([theirs, ours])
    assert ([i.key for i in batch.items], [d.key for d in batch.deletions]) == ([ours], [theirs])
    assert sim_of(app).log.count("/search") == 1


def test_sprints_are_read_again_once_stale_and_sprint_hooks_know_their_team(
    scenario: Scenario, running: Running
) -> None:
    app = create_jira_simulator(scenario, "cloud")
    with running(app) as url:
        conn = JiraConnector(source_for(url, scenario, "cloud"), pis_of(scenario))
        conn.share_metadata(SourceMetadata(ttl=0.0))  # everything is stale at once
        watermark = list(conn.pull(None))[-1].watermark
        sim_of(app).log.reset()
        first = next(iter(conn.pull(watermark)))
        conn.close()
    assert len(first.iterations) == 80 and sim_of(app).log.count("/sprint") == 4
    assert sim_of(app).log.count("/field") == 1  # and the fields
    body = json.dumps(
        {
            "timestamp": 1,
            "webhookEvent": "sprint_started",
            "sprint": {
                "id": 61,
                "state": "active",
                "name": "PI 26.1 I3",
                "startDate": "2026-02-23T09:00:00Z",
                "endDate": "2026-03-08T17:00:00Z",
                "originBoardId": 2,
            },
        }
    ).encode()
    (rec,) = conn.parse_webhook({}, body).batch.iterations
    assert (rec.team, rec.pi, rec.start, rec.end) == (
        "Borealis",
        "PI 26.1",
        date(2026, 2, 23),
        date(2026, 3, 8),
    )


def test_team_managed_projects_read_story_point_estimate(
    scenario: Scenario, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    app = create_jira_simulator(scenario, "cloud", team_managed={"ATLAS", "COMET"})
    with running(app) as url:
        pulled = Pulled(list(connect(url, scenario, "cloud").pull(None)))
    assert assert_matches(pulled, scenario) == 298
    raw = pulled.items["ATLAS-40"].raw or {}
    assert raw["fields"]["project"]["simplified"] is True
    assert raw["fields"]["customfield_10028"] is None  # Story Points: not in this project
    assert raw["fields"]["customfield_10016"] == pulled.items["ATLAS-40"].story_points == 3.0


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_warm_empty_incremental_pull_costs_one_request(
    flavour: str, scenario: Scenario, running: Running, retry: RetryPolicy
) -> None:
    """The service builds a connector per pull and shares the source's metadata with each:
    the next pull neither reads serverInfo, fields, statuses nor the boards again."""
    app = create_jira_simulator(scenario, flavour, page_cap=50)
    sim, metadata = sim_of(app), SourceMetadata()
    with running(app) as url:
        source = source_for(url, scenario, flavour)
        first = JiraConnector(source, pis_of(scenario), retry=retry)
        first.share_metadata(metadata)
        watermark = list(first.pull(None))[-1].watermark
        first.close()
        later = (datetime.fromisoformat(str(watermark)) + timedelta(hours=1)).isoformat()
        sim.log.reset()
        second = JiraConnector(source, pis_of(scenario), retry=retry)
        second.share_metadata(metadata)
        batches = list(second.pull(later))
        second.close()
    assert [b.items for b in batches] == [[], []] and batches[0].iterations == []
    assert sim.log.total == sum(b.requests for b in batches) == 1  # one search page
    assert sim.log.count("search") == 1
