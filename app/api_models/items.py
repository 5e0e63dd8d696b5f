"""Response models of the raw data for BI tools: items, their changes and their links."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from app.api_models.base import ApiModel, Linked, Page

EX_CURSOR = "eyJhdCI6IjIwMjYtMTItMDVUMTk6NTA6NDEuMTQyODk2KzAwOjAwIiwiaWQiOjEwMH0"
EX_JIRA = "https://acme.atlassian.net/browse/"


class ItemOut(Linked):
    key: str = Field(description="the item's key in its tracker (an Azure DevOps id as digits)")
    source: str = Field(description="the tracker source it comes from")
    art: str | None = Field(description="its ART")
    title: str = Field(description="its title")
    item_type: str = Field(description="the tracker's type (Story, Bug, Feature, Epic...)")
    level: str = Field(description="epic, feature, story or task")
    work_type: str = Field(description="feature, enabler, defect, debt or risk")
    status: str | None = Field(description="the tracker's status")
    status_category: str | None = Field(description="todo, active, wait, done or removed")
    team: str | None = Field(description="its team")
    iteration: str | None = Field(description="its iteration, by name")
    pi: str | None = Field(description="its PI")
    parent: str | None = Field(description="the parent item's key")
    story_points: float | None = Field(description="its estimate, as entered (5 stays 5)")
    business_value: float | None = Field(description="its business value, as entered")
    target_date: dt.date | None = Field(description="the date it is planned done by")
    flagged: bool = Field(description="flagged (impeded) in the tracker")
    created_at: dt.datetime | None = Field(description="created in the tracker")
    updated_at: dt.datetime | None = Field(description="last changed in the tracker")
    deleted: bool = Field(description="deleted in the tracker (kept so loads learn of it)")
    synced_at: dt.datetime = Field(description="when Trainyard last changed its row")


class ChangeOut(Linked):
    key: str = Field(description="the item's key")
    source: str = Field(description="the tracker source it comes from")
    field: str = Field(description="what changed: status, iteration, points, flagged...")
    from_: str | None = Field(alias="from", description="the value before (iteration: by name)")
    to: str | None = Field(description="the value after (iteration: by name)")
    from_category: str | None = Field(description="for a status: the category before")
    to_category: str | None = Field(description="for a status: the category after")
    at: dt.datetime = Field(description="when it changed in the tracker")
    author: str | None = Field(description="who changed it, if the tracker says")
    recorded_at: dt.datetime = Field(description="when Trainyard stored the change")
    from_iteration_key: str | None = Field(description="for an iteration: its id or path before")
    to_iteration_key: str | None = Field(description="for an iteration: its id or path after")


class LinkOut(ApiModel):
    from_: str = Field(alias="from", description="the key of the link's source item")
    to: str = Field(description="the key of its target item")
    kind: str = Field(description="parent, blocks, depends-on or relates")
    tracker_type: str | None = Field(description="the link type as the tracker names it")
    source: str = Field(description="the tracker source it comes from")
    from_team: str | None = Field(description="the source item's team")
    to_team: str | None = Field(description="the target item's team")
    cross_team: bool | None = Field(description="the teams differ; null if one is unknown")
    recorded_at: dt.datetime = Field(description="when Trainyard stored the link")
    from_url: str | None = Field(description="the source item in its tracker")
    from_display_key: str = Field(description="the source item's key as its tracker shows it")
    to_url: str | None = Field(description="the target item in its tracker")
    to_display_key: str = Field(description="the target item's key as its tracker shows it")


class ItemPage(Page):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "key": "ATLAS-105",
                            "source": "demo-jira",
                            "art": "Orion",
                            "title": "Speed up search (story)",
                            "item_type": "Bug",
                            "level": "story",
                            "work_type": "defect",
                            "status": "To Do",
                            "status_category": "todo",
                            "team": "Atlas",
                            "iteration": None,
                            "pi": None,
                            "parent": "ATLAS-29",
                            "story_points": 2,
                            "business_value": None,
                            "target_date": None,
                            "flagged": False,
                            "created_at": "2026-05-30T16:44:00+00:00",
                            "updated_at": "2026-05-31T07:44:00+00:00",
                            "deleted": False,
                            "synced_at": "2026-12-05T19:50:41.142896+00:00",
                            "url": EX_JIRA + "ATLAS-105",
                            "display_key": "ATLAS-105",
                        }
                    ],
                    "next_cursor": EX_CURSOR,
                }
            ]
        }
    )

    data: list[ItemOut] = Field(description="the items of this page")


class ChangePage(Page):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "key": "ATLAS-105",
                            "source": "demo-jira",
                            "field": "status",
                            "from": None,
                            "to": "To Do",
                            "from_category": None,
                            "to_category": "todo",
                            "at": "2026-05-30T16:44:00+00:00",
                            "author": None,
                            "recorded_at": "2026-12-05T19:50:41.142896+00:00",
                            "from_iteration_key": None,
                            "to_iteration_key": None,
                            "url": EX_JIRA + "ATLAS-105",
                            "display_key": "ATLAS-105",
                        }
                    ],
                    "next_cursor": EX_CURSOR,
                }
            ]
        }
    )

    data: list[ChangeOut] = Field(description="the changes of this page")


class LinkPage(Page):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [
                        {
                            "from": "ATLAS-105",
                            "to": "ATLAS-29",
                            "kind": "parent",
                            "tracker_type": "Parent",
                            "source": "demo-jira",
                            "from_team": "Atlas",
                            "to_team": "Atlas",
                            "cross_team": False,
                            "recorded_at": "2026-12-05T19:50:41.142896+00:00",
                            "from_url": EX_JIRA + "ATLAS-105",
                            "from_display_key": "ATLAS-105",
                            "to_url": EX_JIRA + "ATLAS-29",
                            "to_display_key": "ATLAS-29",
                        }
                    ],
                    "next_cursor": EX_CURSOR,
                }
            ]
        }
    )

    data: list[LinkOut] = Field(description="the links of this page")
