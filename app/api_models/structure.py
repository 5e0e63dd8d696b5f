"""Response models of the ART structure: ARTs, teams, PIs and a PI's iterations."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.api_models.base import ApiModel, Page

EX_PI: JsonDict = {"name": "PI 26.5", "start": "2026-10-26", "end": "2027-01-03", "current": True}


class ArtOut(ApiModel):
    """One Agile Release Train."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Orion", "timezone": "UTC", "data_version": 14}]}
    )

    name: str = Field(description="the ART's name")
    timezone: str = Field(description="its time zone: days and weeks are counted in it")
    data_version: int = Field(description="grows each time the ART's data changes")


class TeamOut(ApiModel):
    name: str = Field(description="the team's name")
    items: int = Field(description="items the team holds")


class IterationOut(ApiModel):
    name: str = Field(description="the iteration's name")
    team: str | None = Field(description="the team it belongs to")
    start: dt.date | None = Field(description="its first day")
    end: dt.date | None = Field(description="its last day")
    state: str | None = Field(description="the tracker's state of it (future, active, closed)")


class PIOut(ApiModel):
    name: str = Field(description="the PI's name")
    start: dt.date = Field(description="its first day")
    end: dt.date = Field(description="its last day")
    current: bool = Field(description="the PI contains today in the ART's time zone")


class PIDetailOut(PIOut):
    """One PI with each team's iterations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EX_PI,
                    "iterations": [
                        {
                            "name": "PI 26.5 I1",
                            "team": "Atlas",
                            "start": "2026-10-26",
                            "end": "2026-11-08",
                            "state": "closed",
                        }
                    ],
                }
            ]
        }
    )

    iterations: list[IterationOut] = Field(description="every team's iterations in the PI")


class ArtPage(Page):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [{"name": "Orion", "timezone": "UTC", "data_version": 14}],
                    "next_cursor": None,
                }
            ]
        }
    )

    data: list[ArtOut] = Field(description="the ARTs of this page")


class TeamPage(Page):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"data": [{"name": "Atlas", "items": 315}], "next_cursor": None}]
        }
    )

    data: list[TeamOut] = Field(description="the teams of this page")


class PIPage(Page):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"data": [EX_PI], "next_cursor": None}]}
    )

    data: list[PIOut] = Field(description="the PIs of this page, in date order")
