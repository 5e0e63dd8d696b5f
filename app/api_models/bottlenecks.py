"""Response model of the bottlenecks report: where work waits (time in status, a rising
WIP, blocked and stalled items) and which dependencies are at risk at their team's pace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from app.api_models.base import EX_AS_OF, EX_DEFINITION, ApiModel, Linked, Report


class StatusTimeOut(ApiModel):
    team: str | None = Field(description="the team")
    status: str = Field(description="the status")
    status_category: str = Field(description="its category")
    items: int = Field(description="items that spent time in the status within the window")
    item_days: float = Field(description="their days in the status, summed")
    p50_days: float | None = Field(description="median days an item spent in it")
    p85_days: float | None = Field(description="85th percentile of those days")
    share_pct: float | None = Field(description="share of the team's flow time in the window")


class HalfOut(ApiModel):
    from_: dt.date = Field(alias="from", description="the half's first day")
    to: dt.date = Field(description="its last day")
    mean_load: float | None = Field(description="mean flow load at the end of the half's days")
    throughput: int = Field(description="items done in the half")


class WipTrendOut(ApiModel):
    team: str = Field(description="the team")
    first_half: HalfOut | None = Field(description="the window's first half")
    second_half: HalfOut | None = Field(description="its second half")
    load_change: float | None = Field(description="second half's mean load minus the first's")
    rising: bool = Field(description="load rose from the first half while throughput did not")


class FlaggedOut(Linked):
    key: str = Field(description="the item's key")
    title: str = Field(description="its title")
    team: str | None = Field(description="its team")
    status: str | None = Field(description="its status")
    flagged_since: dt.datetime = Field(description="when it was flagged")
    flagged_days: float = Field(description="days flagged at as_of")


class StalledOut(Linked):
    key: str = Field(description="the item's key")
    title: str = Field(description="its title")
    team: str | None = Field(description="its team")
    status: str | None = Field(description="its status")
    in_status_since: dt.datetime = Field(description="when it entered that status")
    days_in_status: float = Field(description="days in it at as_of")


class FlaggedShareOut(ApiModel):
    team: str | None = Field(description="the team")
    flow_item_days: float = Field(description="its items' flow days in the window")
    flagged_item_days: float = Field(description="of those, days flagged")
    flagged_share_pct: float | None = Field(description="flagged / flow days, in percent")


class BlockedOut(ApiModel):
    items: list[FlaggedOut] = Field(description="items flagged at as_of")
    by_team: list[FlaggedShareOut] = Field(description="each team's flagged share")


class DependencyRiskOut(ApiModel):
    provider: dict[str, Any] = Field(description="the provider, as in /dependencies")
    consumer: dict[str, Any] = Field(description="the consumer, as in /dependencies")
    plan_status: str = Field(description="the dependency's status by its plan")
    planned_by: dt.datetime | None = Field(description="when the plan has the provider done")
    needed_by: dt.datetime = Field(description="when the consumer needs it")
    remaining_items: int = Field(description="the provider's items not done")
    sample_done: int = Field(description="provider team's stories done in the sample days")
    finish_p50: dt.date | None = Field(description="median day the provider is done")
    finish_p85: dt.date | None = Field(description="null: not within the forecast horizon")
    days_after_need: int | None = Field(description="days between need and finish_p85")
    reason: str = Field(description="the risk in words")


class DependencyRisksOut(ApiModel):
    assessed: int = Field(description="open dependencies with a needed-by date and a provider team")
    data: list[DependencyRiskOut] = Field(description="the dependencies at risk, worst first")


class BottlenecksOut(Report):
    """Where work waits in the window, and dependencies at risk at their team's pace."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-09-04",
                    "to": "2026-12-03",
                    "level": "feature",
                    "team": None,
                    "as_of": EX_AS_OF,
                    "seed": 1091120861,
                    "definition": EX_DEFINITION,
                    "time_in_status": [
                        {
                            "team": "Atlas",
                            "status": "In Progress",
                            "status_category": "active",
                            "items": 21,
                            "item_days": 1028.25,
                            "p50_days": 35.3924,
                            "p85_days": 89.0,
                            "share_pct": 100.0,
                        }
                    ],
                    "wip_trend": [
                        {
                            "team": "Atlas",
                            "first_half": {
                                "from": "2026-09-04",
                                "to": "2026-10-18",
                                "mean_load": 9.4318,
                                "throughput": 2,
                            },
                            "second_half": {
                                "from": "2026-10-19",
                                "to": "2026-12-02",
                                "mean_load": 13.8636,
                                "throughput": 2,
                            },
                            "load_change": 4.4318,
                            "rising": True,
                        }
                    ],
                    "blocked": {
                        "items": [],
                        "by_team": [
                            {
                                "team": "Atlas",
                                "flow_item_days": 1028.25,
                                "flagged_item_days": 0.0,
                                "flagged_share_pct": 0.0,
                            }
                        ],
                    },
                    "stalled": [
                        {
                            "key": "ATLAS-29",
                            "title": "Refactor payments (feature)",
                            "team": "Atlas",
                            "status": "In Progress",
                            "in_status_since": "2026-06-08T09:13:00+00:00",
                            "days_in_status": 176.616,
                            "url": "https://acme.atlassian.net/browse/ATLAS-29",
                            "display_key": "ATLAS-29",
                        }
                    ],
                    "dependency_risk": {"assessed": 17, "data": []},
                }
            ]
        }
    )

    from_: dt.date = Field(alias="from", description="first day of the window")
    to: dt.date = Field(description="the day after the window's last day")
    level: str = Field(description="the level counted")
    team: str | None = Field(description="the team; null for the ART")
    seed: int = Field(description="the random seed of the dependency forecasts")
    time_in_status: list[StatusTimeOut] = Field(description="per team and status")
    wip_trend: list[WipTrendOut] = Field(description="per team: the load, half against half")
    blocked: BlockedOut = Field(description="flagged items and each team's flagged share")
    stalled: list[StalledOut] = Field(description="items in one status for long, oldest first")
    dependency_risk: DependencyRisksOut = Field(
        description="dependencies whose provider's pace misses the need"
    )
