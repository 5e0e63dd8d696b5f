"""Response models of the planning data: PI objectives and risks."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.api_models.base import ApiModel, Page

EX_OBJECTIVE: JsonDict = {
    "id": 24,
    "pi": "PI 26.5",
    "team": "Atlas",
    "text": "Atlas: refactor cache",
    "committed": True,
    "planned_bv": 5,
    "actual_bv": 4,
    "items": ["ATLAS-11", "ATLAS-12"],
    "origin": "tracker",
    "source": "demo-jira",
    "key": "ATLAS-311",
    "updated_at": "2026-12-01T09:12:41+00:00",
}
EX_RISK: JsonDict = {
    "id": 3,
    "pi": "PI 26.5",
    "team": None,
    "text": "Profile may slip",
    "owner": "Ken Thompson",
    "roam": "owned",
    "origin": "tracker",
    "source": "demo-jira",
    "key": "ATLAS-315",
    "updated_at": "2026-12-01T09:12:41+00:00",
}


class Owned(ApiModel):
    """Where a row comes from: a tracker item (edited there) or this API."""

    origin: str = Field(description="`tracker` (edit it in the tracker) or `api`")
    source: str | None = Field(description="the tracker source it comes from")
    key: str | None = Field(description="the tracker item it comes from")
    updated_at: dt.datetime = Field(description="when Trainyard last changed it")


class ObjectiveOut(Owned):
    """A PI objective of a team."""

    model_config = ConfigDict(json_schema_extra={"examples": [EX_OBJECTIVE]})

    id: int = Field(description="the objective's id (for PATCH and DELETE)")
    pi: str = Field(description="its PI")
    team: str | None = Field(description="its team")
    text: str = Field(description="what the team set out to do")
    committed: bool = Field(description="committed (true) or stretch (false)")
    planned_bv: float | None = Field(description="planned business value, 1-10")
    actual_bv: float | None = Field(description="actual business value, 0-10; null until scored")
    items: list[str] = Field(description="keys of the items that deliver it")


class RiskOut(Owned):
    """A PI risk and its ROAM state."""

    model_config = ConfigDict(json_schema_extra={"examples": [EX_RISK]})

    id: int = Field(description="the risk's id (for PATCH and DELETE)")
    pi: str = Field(description="its PI")
    team: str | None = Field(description="its team; null for the ART")
    text: str = Field(description="the risk")
    owner: str | None = Field(description="who owns it")
    roam: str = Field(description="unroamed, resolved, owned, accepted or mitigated")


class ObjectivePage(Page):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [EX_OBJECTIVE], "next_cursor": None}]}
    )

    data: list[ObjectiveOut] = Field(description="the objectives of this page")


class RiskPage(Page):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [EX_RISK], "next_cursor": None}]}
    )

    data: list[RiskOut] = Field(description="the risks of this page")
