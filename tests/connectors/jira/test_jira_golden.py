"""The golden ART (tests/fixtures/golden/reference-art.json) served by the simulator and pulled
back: team = project (``BLUE-1`` lives in ``BLUE``), iterations = one sprint per team board."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from fastapi import FastAPI
from jira_support import GOLDEN, Pulled, assert_matches, expected_links

from connectors.jira.connector import JiraConnector
from simulators.jira import create_jira_simulator
from simulators.scenario import load_scenario

Running = Callable[[FastAPI], AbstractContextManager[str]]


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_the_golden_art_comes_through_unchanged(
    flavour: str, running: Running, connect: Callable[..., JiraConnector]
) -> None:
    scenario = load_scenario(GOLDEN)
    app = create_jira_simulator(scenario, flavour, clock=lambda: scenario.as_of)
    with running(app) as url:
        pulled = Pulled(list(connect(url, scenario, flavour).pull(None)))
    assert pulled.errors == []
    assert assert_matches(pulled, scenario) == 26
    assert pulled.links == expected_links(scenario)
    assert len(pulled.links) == 12 + 0  # no parents in the golden ART
    assert {
        (o.team, o.pi, o.text, o.committed, o.planned_bv, o.actual_bv)
        for o in pulled.objectives.values()
    } == {
        (
            o.team,
            o.pi,
            o.text,
            o.committed,
            float(o.planned_bv or 0),
            None if o.actual_bv is None else float(o.actual_bv),
        )
        for o in scenario.objectives
    }
    assert sorted(pulled.objectives)[:3] == ["BLUE-OBJ1", "BLUE-OBJ2", "BLUE-OBJ3"]
    in_pi = {k for k, i in pulled.items.items() if i.pi == "PI 26.1"}
    assert in_pi == {i.key for i in scenario.items if i.current("iteration")} | {
        k for k, o in pulled.objectives.items() if o.pi == "PI 26.1"
    }
    states = {(it.team, it.name): it.state for it in pulled.iterations.values()}
    assert [states[("Blue", f"I{n}")] for n in range(1, 6)] == [
        "closed",
        "closed",
        "active",
        "future",
        "future",
    ]
