"""WIQL: the 20,000-result cap, id windows, scope queries and the simulator's evaluator."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from art.config import SourceConfig
from connectors.azure_devops import queries
from connectors.azure_devops.transport import AdoRequestError
from simulators.azure_devops.wiql import WiqlError, compile_wiql
from simulators.scenario import Scenario, ScenarioItem, ScenarioIteration, ScenarioPI

from .conftest import Sim, SimFactory

MANY = 20_050


def flat_scenario(count: int) -> Scenario:
    """``count`` stories without history: enough to exceed the cap, cheap to serve."""
    created = datetime(2026, 1, 5, 9, tzinfo=UTC)
    return Scenario(
        art="Big",
        timezone="UTC",
        teams=["Blue"],
        statuses={"To Do": "todo", "Done": "done"},
        pis=[
            ScenarioPI(
                "PI 26.1",
                date(2026, 1, 5),
                date(2026, 3, 15),
                [ScenarioIteration("I1", date(2026, 1, 5), date(2026, 1, 18))],
            )
        ],
        items=[
            ScenarioItem(
                key=f"BIG-{n}",
                team="Blue",
                level="story",
                work_type="feature",
                created=created,
                initial={"status": "To Do", "iteration": "I1", "points": 1, "flagged": False},
            )
            for n in range(1, count + 1)
        ],
    )


@pytest.mark.parametrize("strict", [False, True])
def test_more_than_20000_ids_are_read_in_windows(simulator: SimFactory, strict: bool) -> None:
    sim = simulator(flat_scenario(MANY), strict_wiql_cap=strict)
    connector = sim.connector()
    assert connector.scope_ids() == list(range(1, MANY + 1))
    # $top truncates: two windows. Strict service: refused, a bounded range, then the rest.
    assert sim.log.count("wiql") == (3 if strict else 2)
    connector.close()


def test_the_service_refuses_more_than_20000_results(simulator: SimFactory) -> None:
    sim = simulator(flat_scenario(MANY))
    connector = sim.connector()
    query = queries.select(queries.scope(connector.source))
    with pytest.raises(AdoRequestError) as caught:
        connector.client.wiql(query, top=MANY)
    assert caught.value.status == 400
    assert caught.value.type_key == "WorkItemTrackingQueryResultSizeLimitExceededException"
    assert str(caught.value).startswith(
        f"Azure DevOps source 'ado' refused POST {sim.url}/phoenix/Phoenix/_apis/wit/wiql?"
        "$top=20050: HTTP 400: VS402337: The number of work items returned exceeds the size "
        "limit of 20000."
    )
    connector.close()


def test_small_windows_cover_every_id(golden_sim: Sim) -> None:
    connector = golden_sim.connector(wiql_window=7)
    assert connector.scope_ids() == sorted(golden_sim.world.items)  # 26 items, 14 objectives
    assert golden_sim.log.count("wiql") == 40 // 7 + 1  # 40 ids: five full windows, one short
    connector.close()


def test_scope_query_text() -> None:
    src = SourceConfig(
        name="s",
        kind="azure-devops",
        url="u",
        art="a",
        project="P",
        area_paths=["P\\Blue", "P\\O'Neil"],
        levels={"Feature": "feature"},
    )
    assert queries.scope(src) == (
        "[System.TeamProject] = @project AND ([System.AreaPath] UNDER 'P\\Blue' OR "
        "[System.AreaPath] UNDER 'P\\O''Neil') AND [System.WorkItemType] IN "
        "('Feature', 'Objective', 'Risk')"
    )
    custom = src.model_copy(
        update={
            "wiql": "SELECT [System.Id] FROM WorkItems WHERE "
            "[System.Tags] CONTAINS 'ART' ORDER BY [System.Id]"
        }
    )
    assert queries.scope(custom) == (
        "[System.TeamProject] = @project AND ([System.AreaPath] UNDER 'P\\Blue' OR "
        "[System.AreaPath] UNDER 'P\\O''Neil') AND ([System.Tags] CONTAINS 'ART')"
    )
    assert queries.window("C", 10, 30) == (
        "SELECT [System.Id] FROM WorkItems WHERE C AND [System.Id] > 10 AND [System.Id] <= 30 "
        "ORDER BY [System.Id]"
    )


def test_simulator_wiql_evaluator() -> None:
    fields = {
        "System.Id": 7,
        "System.TeamProject": "Phoenix",
        "System.State": "Active",
        "System.AreaPath": "Phoenix\\Blue\\Web",
        "System.Tags": "Enabler; Blocked",
        "System.ChangedDate": datetime(2026, 2, 1, tzinfo=UTC),
    }

    def run(where: str) -> bool:
        predicate, _ = compile_wiql(f"SELECT [System.Id] FROM WorkItems WHERE {where}", "Phoenix")
        return predicate(fields.get)

    assert run("[System.TeamProject] = @project AND [State] IN ('active', 'New')")
    assert run("[System.AreaPath] UNDER 'Phoenix\\Blue' AND NOT [System.Id] > 7")
    assert run("([System.Tags] CONTAINS 'blocked' OR [System.Id] = 1) AND [ID] <= 7")
    assert run("[System.ChangedDate] >= '2026-01-31T00:00:00Z'")
    assert not run("[System.AreaPath] UNDER 'Phoenix\\Blu'")
    assert not run("[System.Tags] CONTAINS 'Enab'")
    _, descending = compile_wiql("SELECT [System.Id] FROM WorkItems ORDER BY [System.Id] DESC", "P")
    assert descending
    with pytest.raises(WiqlError):
        compile_wiql("SELECT [System.Id] FROM WorkItemLinks WHERE [Source].[System.Id] = 1", "P")


def test_small_windows_cover_every_objective_and_risk(golden_sim: Sim) -> None:
    """Objective and risk ids are read in windows too, not cut at the first one."""
    world = golden_sim.world
    planned = {i for i, item in world.items.items() if item.type in ("Objective", "Risk")}
    assert len(planned) == 14
    connector = golden_sim.connector(wiql_window=7)
    assert connector._special_ids() == planned
    assert golden_sim.log.count("wiql") == 14 // 7 + 1  # two full windows, one empty
    connector.close()


def test_an_incremental_pull_with_small_windows_deletes_nothing_in_scope(golden_sim: Sim) -> None:
    """Which changed ids are still in scope is asked in lists no longer than a window: a
    longer list's answer would be cut at ``$top`` and the rest taken for deletions."""
    world = golden_sim.world
    token = golden_sim.pull(wiql_window=7)[-1].watermark
    stories = sorted(item.key for item in world.items.values() if item.type == "User Story")
    changed = stories[:10]
    for key in changed:
        world.mutate(key, at=datetime(2026, 2, 10, 13, tzinfo=UTC), flagged=True)
    batches = golden_sim.pull(token, wiql_window=7)
    assert [d.key for b in batches for d in b.deletions] == []
    assert sorted(int(i.key) for b in batches for i in b.items) == sorted(
        world.id_of(k) for k in changed
    )
