"""Response models of the PI reports: predictability (one PI and the trend), dependencies,
the program board, the plan baseline and its story scope, burn-up and velocity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.api_models.base import EX_AS_OF, EX_DEFINITION, ApiModel, Linked, Report

EX_SCORE: JsonDict = {
    "planned_bv": 28,
    "actual_bv": 26,
    "predictability_pct": 92.8571,
    "band": "within",
    "complete": False,
    "scored": 7,
    "objectives": 17,
    "state": "in_progress",
    "earned_pct": 13.4615,
    "projected_pct": 102.1541,
    "projected_pct_85": 99.9565,
    "chance_in_band_pct": 100.0,
    "unprojectable": 0,
}
EX_TEAM_SCORE: JsonDict = {
    "team": "Atlas",
    **EX_SCORE,
    "planned_bv": 12,
    "actual_bv": 10,
    "predictability_pct": 83.3333,
    "scored": 2,
    "objectives": 3,
    "earned_pct": 0.0,
    "projected_pct": 86.1111,
    "projected_pct_85": 86.1111,
}
EX_PLANNED: JsonDict = {
    "key": "COMET-7",
    "team": "Comet",
    "iteration": "PI 26.5 I1",
    "iteration_key": "53",
    "url": "https://acme.atlassian.net/browse/COMET-7",
    "display_key": "COMET-7",
}
PiField = Field(description="the PI's name")
StateField = Field(description="the PI's state at as_of: not_started, in_progress or finished")


class Score(ApiModel):
    """Predictability of a team or of the ART (ratio of the sums over its teams)."""

    team: str | None = Field(default=None, description="the team (absent for the ART)")
    planned_bv: float = Field(description="planned business value of committed objectives")
    actual_bv: float = Field(description="actual business value of scored objectives")
    predictability_pct: float | None = Field(description="actual / planned, in percent")
    band: str | None = Field(description="below (< 80), within (80-100) or above (> 100)")
    complete: bool = Field(description="every objective scored, at least one, PI started")
    scored: int = Field(description="objectives with an actual business value")
    objectives: int = Field(description="objectives of the PI")
    state: str = StateField
    earned_pct: float | None = Field(
        description="business value earned so far (done share of linked items), while it runs"
    )
    projected_pct: float | None = Field(
        description="the PI outlook's median predictability at the PI's end, while it runs"
    )
    projected_pct_85: float | None = Field(
        description="the outlook's predictability reached or beaten in 85% of its trials"
    )
    chance_in_band_pct: float | None = Field(
        description="share of the outlook's trials ending at 80% or above"
    )
    unprojectable: int | None = Field(
        description="objectives with neither an actual BV nor linked items to project"
    )


class ObjectiveFields(ApiModel):
    """An objective as every report names it."""

    id: int | str = Field(description="the objective's id")
    team: str | None = Field(description="its team")
    text: str = Field(description="what the team set out to do")
    committed: bool = Field(description="committed (true) or stretch (false)")
    planned_bv: float | None = Field(description="planned business value, 1-10")
    actual_bv: float | None = Field(description="actual business value, null until scored")


class ObjectiveScore(ObjectiveFields):
    earned_bv: float | None = Field(description="planned BV x done share of its items")
    projected_bv: float | None = Field(description="projected business value at the PI's end")
    chance_complete_pct: float | None = Field(
        description="share of the outlook's trials in which all its items are done"
    )
    items: list[str] = Field(description="keys of the items that deliver it")


class PredictabilityOut(Report):
    """SAFe's PI predictability per team and for the ART."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "as_of": EX_AS_OF,
                    "state": "in_progress",
                    "definition": EX_DEFINITION,
                    "art": EX_SCORE,
                    "teams": [EX_TEAM_SCORE],
                    "objectives": [
                        {
                            "id": 24,
                            "team": "Atlas",
                            "text": "Atlas: refactor cache",
                            "committed": True,
                            "planned_bv": 5,
                            "actual_bv": 4,
                            "earned_bv": 0.0,
                            "projected_bv": 4.0,
                            "chance_complete_pct": 23.54,
                            "items": ["ATLAS-11", "ATLAS-12"],
                        }
                    ],
                }
            ]
        }
    )

    pi: str = PiField
    state: str = StateField
    art: Score = Field(description="the ART's predictability")
    teams: list[Score] = Field(description="each team's predictability")
    objectives: list[ObjectiveScore] = Field(description="the PI's objectives")


class PiScores(ApiModel):
    pi: str = PiField
    state: str = StateField
    art: Score = Field(description="the ART's predictability")
    teams: list[Score] = Field(description="each team's predictability")


class PredictabilityHistoryOut(Report):
    """The predictability of every PI, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "data": [
                        {
                            "pi": "PI 26.5",
                            "state": "in_progress",
                            "art": EX_SCORE,
                            "teams": [EX_TEAM_SCORE],
                        }
                    ],
                }
            ]
        }
    )

    data: list[PiScores] = Field(description="one entry per PI, oldest first")


class DependencyEnd(Linked):
    key: str = Field(description="the item's key")
    title: str | None = Field(description="its title")
    team: str | None = Field(description="its team")
    iteration: str | None = Field(description="its iteration")
    art: str | None = Field(description="its ART")
    status_category: str | None = Field(description="its status category at as_of")


class Dependency(ApiModel):
    provider: DependencyEnd = Field(description="the item that must be done first")
    consumer: DependencyEnd = Field(description="the item that waits for it")
    cross_team: bool = Field(description="the two ends are in different teams")
    cross_art: bool = Field(description="the two ends are in different ARTs")
    status: str = Field(description="resolved, on_track, at_risk, conflict, late or removed")
    upstream: bool = Field(description="at risk because the provider waits on a late one")
    planned_by: dt.datetime | None = Field(description="when the provider is planned done")
    needed_by: dt.datetime | None = Field(description="when the consumer needs it")
    reason: str = Field(description="why the status is what it is, in words")
    in_cycle: bool = Field(description="part of a dependency cycle")


EX_DEPENDENCY: JsonDict = {
    "provider": {
        "key": "48",
        "title": "Improve profile (feature)",
        "team": "Dynamo",
        "iteration": "PI 26.5 I3",
        "art": "Orion",
        "status_category": "done",
        "url": "https://dev.azure.com/acme/Orion/_workitems/edit/48",
        "display_key": "#48",
    },
    "consumer": {
        "key": "119",
        "title": "Speed up reports (feature)",
        "team": "Eclipse",
        "iteration": "PI 26.5 I4",
        "art": "Orion",
        "status_category": "active",
        "url": "https://dev.azure.com/acme/Orion/_workitems/edit/119",
        "display_key": "#119",
    },
    "cross_team": True,
    "cross_art": False,
    "status": "resolved",
    "upstream": False,
    "planned_by": "2026-12-07T00:00:00+00:00",
    "needed_by": "2026-12-07T00:00:00+00:00",
    "reason": "#48 (Dynamo) is done since 2026-11-27",
    "in_cycle": False,
}


class DependenciesOut(Report):
    """Dependencies with an end in the PI, a page at a time, and the cycles among them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "data": [EX_DEPENDENCY],
                    "cycles": [],
                    "next_cursor": None,
                }
            ]
        }
    )

    pi: str = PiField
    data: list[Dependency] = Field(description="the dependencies of this page")
    cycles: list[list[str]] = Field(description="dependency cycles, each as its item keys")
    next_cursor: str | None = Field(description="`cursor` for the next page; null on the last")


class Card(Linked):
    key: str = Field(description="the feature's key")
    title: str = Field(description="its title")
    status: str | None = Field(description="its status at as_of")
    status_category: str | None = Field(description="that status's category")
    work_type: str = Field(description="its work type")


class Cell(ApiModel):
    iteration: str | None = Field(description="the iteration (null: unplanned in the PI)")
    features: list[Card] = Field(description="the team's features planned in it")


class BoardTeam(ApiModel):
    team: str | None = Field(description="the team")
    cells: list[Cell] = Field(description="one cell per iteration")


class BoardIteration(ApiModel):
    name: str = Field(description="the iteration's name")
    start: dt.date | None = Field(description="its first day")
    end: dt.date | None = Field(description="its last day")


class Milestone(ApiModel):
    name: str = Field(description="the milestone")
    date: dt.date = Field(description="its day")
    team: str | None = Field(description="its team, null for the ART")


class BoardPlace(ApiModel):
    team: str | None = Field(description="the team")
    iteration: str | None = Field(description="the iteration")


class BoardDependency(ApiModel):
    provider: str = Field(description="the provider's key")
    consumer: str = Field(description="the consumer's key")
    provider_cell: BoardPlace = Field(description="where the provider is on the board")
    consumer_cell: BoardPlace = Field(description="where the consumer is on the board")
    status: str = Field(description="the dependency's status, as in /dependencies")
    cross_team: bool = Field(description="between different teams")
    reason: str = Field(description="why the status is what it is")


class ProgramBoardOut(Report):
    """Teams x iterations, the features in each cell, milestones and dependencies."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "iterations": [
                        {"name": "PI 26.5 I1", "start": "2026-10-26", "end": "2026-11-08"}
                    ],
                    "teams": [
                        {
                            "team": "Atlas",
                            "cells": [
                                {
                                    "iteration": "PI 26.5 I1",
                                    "features": [
                                        {
                                            "key": "ATLAS-4",
                                            "title": "Improve API (feature)",
                                            "status": "In Progress",
                                            "status_category": "active",
                                            "work_type": "debt",
                                            "url": "https://acme.atlassian.net/browse/ATLAS-4",
                                            "display_key": "ATLAS-4",
                                        }
                                    ],
                                }
                            ],
                        }
                    ],
                    "milestones": [],
                    "dependencies": [
                        {
                            "provider": "ATLAS-24",
                            "consumer": "BOREALIS-4",
                            "provider_cell": {"team": "Atlas", "iteration": "PI 26.4 I4"},
                            "consumer_cell": {"team": "Borealis", "iteration": "PI 26.5 I4"},
                            "status": "removed",
                            "cross_team": True,
                            "reason": "BOREALIS-4 (Borealis) was removed",
                        }
                    ],
                }
            ]
        }
    )

    pi: str = PiField
    iterations: list[BoardIteration] = Field(description="the board's columns")
    teams: list[BoardTeam] = Field(description="the board's rows")
    milestones: list[Milestone] = Field(description="milestones in the PI")
    dependencies: list[BoardDependency] = Field(description="dependencies between cards")


class PlannedFeature(Linked):
    key: str = Field(description="the feature's key")
    team: str | None = Field(description="its team")
    iteration: str | None = Field(description="its iteration, by name")
    iteration_key: str | None = Field(description="the tracker's id or path of the iteration")


class FeatureChanges(ApiModel):
    planned: int = Field(description="features in the baseline")
    done: int = Field(description="of those, done at as_of")
    feature_completion_pct: float | None = Field(description="done / planned, in percent")
    done_keys: list[str] = Field(description="keys of the baseline's features done")
    added: list[str] = Field(description="features in the PI now but not in the baseline")
    removed: list[str] = Field(description="features of the baseline no longer in the PI")
    moved: list[dict[str, Any]] = Field(
        description="features with another team or iteration: `key`, `from` and `to`"
    )


class ScopeSize(ApiModel):
    items: int = Field(description="stories")
    points: float = Field(description="their story points")


class ScopeChange(ApiModel):
    baseline: ScopeSize = Field(description="the story scope of the baseline")
    now: ScopeSize = Field(description="the story scope at as_of")
    added: ScopeSize = Field(description="stories added since")
    removed: ScopeSize = Field(description="stories removed since")
    change_points: float = Field(description="points now minus points then")


class BaselinePlan(ApiModel):
    pi: str = PiField
    at: dt.datetime = Field(description="when the plan was taken")
    features: list[PlannedFeature] = Field(description="the features planned then")
    committed_objectives: list[int | str] = Field(description="ids of committed objectives")


class CommittedObjectives(ApiModel):
    baseline: list[int | str] = Field(description="committed in the baseline")
    now: list[int | str] = Field(description="committed at as_of")


class BaselineOut(Report):
    """The plan at the PI's start against the PI at as_of."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "baseline": {
                        "pi": "PI 26.5",
                        "at": "2026-10-26T00:00:00+00:00",
                        "features": [EX_PLANNED],
                        "committed_objectives": [24, 25],
                    },
                    "current_features": [EX_PLANNED],
                    "features": {
                        "planned": 56,
                        "done": 5,
                        "feature_completion_pct": 8.9286,
                        "done_keys": ["BOREALIS-33"],
                        "added": [],
                        "removed": ["ATLAS-17", "BOREALIS-4"],
                        "moved": [],
                    },
                    "committed_objectives": {"baseline": [24, 25], "now": [24, 25]},
                    "scope": {
                        "baseline": {"items": 443, "points": 1852},
                        "now": {"items": 487, "points": 2063},
                        "added": {"items": 58, "points": 251},
                        "removed": {"items": 14, "points": 51},
                        "change_points": 211,
                    },
                    "frozen_at": None,
                    "frozen": False,
                }
            ]
        }
    )

    pi: str = PiField
    baseline: BaselinePlan = Field(description="the plan the PI is measured against")
    current_features: list[PlannedFeature] = Field(description="the features in the PI now")
    features: FeatureChanges = Field(description="how the features changed since the plan")
    committed_objectives: CommittedObjectives = Field(description="committed objectives")
    scope: ScopeChange = Field(description="how the story scope changed since the plan")
    frozen_at: dt.datetime | None = Field(description="when the plan was frozen, if it was")
    frozen: bool = Field(description="true: a stored plan; false: rebuilt from history")


class ScopeRow(Linked):
    key: str = Field(description="the story's key")
    change: str = Field(description="unchanged, re-estimated, added or removed")
    baseline_points: float | None = Field(description="its points in the baseline")
    now_points: float | None = Field(description="its points at as_of")


class BaselineScopeOut(ApiModel):
    """The stories of the baseline's scope and of the scope at as_of, a page at a time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "as_of": EX_AS_OF,
                    "frozen_at": None,
                    "frozen": False,
                    "data": [
                        {
                            "key": "BOREALIS-62",
                            "change": "unchanged",
                            "baseline_points": 3,
                            "now_points": 3,
                            "url": "https://acme.atlassian.net/browse/BOREALIS-62",
                            "display_key": "BOREALIS-62",
                        }
                    ],
                    "next_cursor": "eyJvZmZzZXQiOjEwMH0",
                }
            ]
        }
    )

    pi: str = PiField
    as_of: dt.datetime = Field(description="the instant the scope is taken at")
    frozen_at: dt.datetime | None = Field(description="when the plan was frozen, if it was")
    frozen: bool = Field(description="true: a stored plan; false: rebuilt from history")
    data: list[ScopeRow] = Field(description="the stories of this page")
    next_cursor: str | None = Field(description="`cursor` for the next page; null on the last")


class BurnupDay(ApiModel):
    date: dt.date = Field(description="the day")
    scope: float = Field(description="scope at the end of the day, in `unit`")
    done: float = Field(description="of it, done at the end of the day")


class BurnupOut(Report):
    """Scope and done for each complete day of the PI up to as_of."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "team": None,
                    "unit": "points",
                    "level": "story",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "data": [{"date": "2026-10-26", "scope": 1852, "done": 18}],
                }
            ]
        }
    )

    pi: str = PiField
    team: str | None = Field(description="the team; null for the ART")
    unit: str = Field(description="`points` or `count` (items)")
    level: str = Field(description="the level counted")
    data: list[BurnupDay] = Field(description="one row per day")


class VelocityRow(ApiModel):
    team: str = Field(description="the team")
    iteration: str = Field(description="the iteration's name")
    iteration_keys: list[str] = Field(description="the tracker's ids of the iteration")
    pi: str | None = Field(description="its PI")
    start: dt.date = Field(description="its first day")
    end: dt.date = Field(description="its last day")
    committed_points: float = Field(description="points in it at its start")
    completed_points: float = Field(description="points in it at its end and done")
    added_points: float = Field(description="points put in it while it ran")
    carried_over_points: float = Field(description="points in it at its end, not done")
    say_do_pct: float | None = Field(description="completed / committed, in percent")
    committed_items: int = Field(description="items in it at its start")
    completed_items: int = Field(description="items in it at its end and done")


class VelocityOut(Report):
    """Committed and completed per team and iteration."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "team": None,
                    "pi": None,
                    "level": "story",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "data": [
                        {
                            "team": "Atlas",
                            "iteration": "PI 26.3 I1",
                            "iteration_keys": ["1"],
                            "pi": "PI 26.3",
                            "start": "2026-06-08",
                            "end": "2026-06-21",
                            "committed_points": 53,
                            "completed_points": 44,
                            "added_points": 0,
                            "carried_over_points": 0,
                            "say_do_pct": 83.0189,
                            "committed_items": 14,
                            "completed_items": 10,
                        }
                    ],
                }
            ]
        }
    )

    team: str | None = Field(description="the team; null for every team")
    pi: str | None = Field(description="the PI; null for every PI")
    level: str = Field(description="the level counted")
    data: list[VelocityRow] = Field(description="one row per team and iteration")
