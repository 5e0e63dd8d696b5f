"""Helpers of the end-to-end tests: an ART served by a tracker simulator, configured as an RTE
would configure it, pulled through :class:`PullRunner` into the store and loaded back exactly
as the reports load it.

Secrets come from the demo's environment variables (``app.demo.ENV``): tests set them with
``monkeypatch`` before pulling.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.demo import ado_source, jira_source
from app.reports.loader import load_art
from app.reports.service import ReportService
from art.config import TrainyardConfig
from metrics.inputs import ArtData, Objective
from simulators.azure_devops import AdoWorld
from simulators.scenario import Scenario
from sync.runner import PullRunner
from sync.structure import apply_config

ADO_ORG = "phoenix"
# Jira has no field for SAFe work types beyond issue types (Bug, Enabler): labels carry them.
JIRA_WORK_TYPE_LABELS = {
    "tech-debt": "debt",
    "enabler": "enabler",
    "defect": "defect",
    "risk": "risk",
}


def art_config(scenario: Scenario, source: dict[str, Any]) -> TrainyardConfig:
    """One ART (time zone, teams, PIs with the scenario's dates) and one source."""
    return TrainyardConfig.model_validate(
        {
            "arts": [
                {
                    "name": scenario.art,
                    "timezone": scenario.timezone,
                    "teams": [{"name": t} for t in scenario.teams],
                    "pis": [{"name": p.name, "start": p.start, "end": p.end} for p in scenario.pis],
                }
            ],
            "sources": [source],
        }
    )


def jira_config(url: str, scenario: Scenario) -> TrainyardConfig:
    """Jira Cloud: one project per team (``BLUE`` -> Blue), PI by the configured PI dates,
    every status mapped as the scenario categorises it, work types from labels."""
    source = jira_source(
        "jira",
        url,
        scenario,
        list(scenario.teams),
        pi_rule={"by": "dates"},
        statuses=dict(scenario.statuses),
        work_type_labels=JIRA_WORK_TYPE_LABELS,
    )
    return art_config(scenario, source)


def ado_config(url: str, world: AdoWorld) -> TrainyardConfig:
    """Azure DevOps: one area path per team, PI = the parent node of the iteration path,
    the scenario's statuses mapped under the state names the tracker gives them."""
    scenario = world.scenario
    source = ado_source(
        "ado",
        url,
        ADO_ORG,
        scenario,
        list(scenario.teams),
        statuses={world.states[s].name: cat for s, cat in scenario.statuses.items()},
    )
    return art_config(scenario, source)


def pull_and_load(sessions: sessionmaker[Session], config: TrainyardConfig) -> ArtData:
    """apply_config, one full pull of the configured source, then the ART as reports load it."""
    with sessions() as session, session.begin():
        apply_config(session, config)
    (source,) = config.sources
    runner = PullRunner(sessions, config, source)
    try:
        result = runner.run(full=True)
    finally:
        runner.close()
    assert result.status == "succeeded", result.error
    assert result.item_errors == []
    service = ReportService(sessions, config)
    with sessions() as session:
        return load_art(
            session,
            source.art,
            definition=service.definition(source.art),
            team_aliases={a: t.name for t in config.art(source.art).teams for a in t.aliases},
        )


def rekey(data: ArtData, key_of: Mapping[str, str]) -> ArtData:
    """The same ART with item keys renamed (Azure DevOps ids -> scenario keys); keys not in
    ``key_of`` stay."""

    def k(key: str | None) -> str | None:
        return None if key is None else key_of.get(key, key)

    def objective(o: Objective) -> Objective:
        return replace(o, items=tuple(key_of.get(i, i) for i in o.items))

    return ArtData(
        definition=data.definition,
        items=[replace(i, key=key_of.get(i.key, i.key), parent=k(i.parent)) for i in data.items],
        changes=[replace(c, item_key=key_of.get(c.item_key, c.item_key)) for c in data.changes],
        iterations=list(data.iterations),
        pis=list(data.pis),
        links=[
            replace(
                x,
                from_key=key_of.get(x.from_key, x.from_key),
                to_key=key_of.get(x.to_key, x.to_key),
            )
            for x in data.links
        ],
        objectives=[objective(o) for o in data.objectives],
        teams=list(data.teams),
        milestones=list(data.milestones),
        art=data.art,
    )
