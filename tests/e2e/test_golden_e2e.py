"""The golden ART (tests/fixtures/golden) end to end: served by the Jira (Cloud) and by the Azure
DevOps simulator, configured as an RTE would, pulled through PullRunner into SQLite and PostgreSQL,
loaded with app.reports.loader.load_art, and every golden figure asserted exactly with the checks of
tests/metrics/test_golden.py.

Azure DevOps numbers its work items: the loaded ART is re-keyed with the simulator's id -> key
mapping before the checks, so that figures are compared item by item.
"""

from __future__ import annotations

import pytest

from app.demo import ADO_PAT, JIRA_EMAIL, JIRA_TOKEN
from art.vocabulary import Level
from metrics.inputs import ArtData
from simulators.azure_devops import ado_world, create_ado_simulator
from simulators.jira import create_jira_simulator
from simulators.server import serve
from tests.e2e.conftest import StoreFactory
from tests.e2e.pipeline import ADO_ORG, ado_config, jira_config, pull_and_load, rekey
from tests.metrics import test_golden as golden

SCENARIO, EXPECTED = golden.SCENARIO, golden.EXPECTED
TRACKERS = ["jira", "ado"]


@pytest.fixture(scope="module", params=TRACKERS)
def tracker(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def data(tracker: str, new_store: StoreFactory) -> ArtData:
    """The golden ART as the reports see it after a full pull from ``tracker``."""
    sessions = new_store()
    if tracker == "jira":
        app = create_jira_simulator(
            SCENARIO, "cloud", users={JIRA_EMAIL: JIRA_TOKEN}, clock=lambda: golden.AS_OF
        )
        with serve(app) as url:
            return pull_and_load(sessions, jira_config(url, SCENARIO))
    app = create_ado_simulator(SCENARIO, org=ADO_ORG, project=SCENARIO.art, pat=ADO_PAT)
    world = ado_world(app)
    with serve(app) as url:
        loaded = pull_and_load(sessions, ado_config(url, world))
    keys = [i.key for i in SCENARIO.items]
    return rekey(loaded, {str(world.id_of(k)): k for k in keys})


@pytest.mark.parametrize("key", sorted(EXPECTED["items"]))
def test_item(data: ArtData, key: str) -> None:
    golden.check_item(data, EXPECTED, key)


def test_every_item_is_expected(data: ArtData) -> None:
    golden.check_every_item_is_expected(data, EXPECTED)


@pytest.mark.parametrize("level", golden.LEVELS)
def test_flow_velocity_time_efficiency_distribution(data: ArtData, level: Level) -> None:
    golden.check_flow(data, EXPECTED, level)


@pytest.mark.parametrize("level", golden.LEVELS)
def test_flow_load(data: ArtData, level: Level) -> None:
    golden.check_flow_load(data, EXPECTED, level)


@pytest.mark.parametrize("level", golden.LEVELS)
def test_cfd(data: ArtData, level: Level) -> None:
    golden.check_cfd(data, EXPECTED, level)


@pytest.mark.parametrize("level", golden.LEVELS)
def test_weekly_throughput(data: ArtData, level: Level) -> None:
    golden.check_weekly_throughput(data, EXPECTED, level)


@pytest.mark.parametrize("level", golden.LEVELS)
def test_aging(data: ArtData, level: Level) -> None:
    golden.check_aging(data, EXPECTED, level)


def test_story_cycle_time_rows_match_items(data: ArtData) -> None:
    golden.check_story_cycle_time_rows(data, EXPECTED)


@pytest.mark.parametrize("pi", sorted(EXPECTED["predictability"]))
def test_predictability(data: ArtData, pi: str) -> None:
    golden.check_predictability(data, EXPECTED, pi)


def test_predictability_history_lists_every_pi(data: ArtData) -> None:
    golden.check_predictability_history(data, EXPECTED)


def test_dependencies(data: ArtData) -> None:
    golden.check_dependencies(data, EXPECTED, ordered=False)


def test_dependency_reason_of_the_api_example(data: ArtData) -> None:
    golden.check_dependency_reason_of_the_api_example(data, EXPECTED)


def test_velocity(data: ArtData) -> None:
    golden.check_velocity(data, EXPECTED)


def test_burnup(data: ArtData) -> None:
    golden.check_burnup(data, EXPECTED)


def test_every_report_serializes_to_json_with_definition_and_as_of(data: ArtData) -> None:
    golden.check_every_report_serializes(data, EXPECTED)
