"""The response shape of ``GET /arts/{art}/bottlenecks``, published in the OpenAPI document
(the route returns a Response for its ETag and CSV, so this model documents, never filters)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class StatusTimeOut(BaseModel):
    team: str | None
    status: str
    status_category: str
    items: int = Field(description="items that spent time in the status within the window")
    item_days: float = Field(description="their days in the status, summed")
    p50_days: float | None
    p85_days: float | None
    share_pct: float | None = Field(description="share of the team's flow time in the window")


class HalfOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    mean_load: float | None = Field(description="mean flow load at the end of the half's days")
    throughput: int = Field(description="items done in the half")


class WipTrendOut(BaseModel):
    team: str
    first_half: HalfOut | None
    second_half: HalfOut | None
    load_change: float | None
    rising: bool = Field(description="load rose from the first half while throughput did not")


class FlaggedOut(BaseModel):
    key: str
    title: str
    team: str | None
    status: str | None
    flagged_since: str
    flagged_days: float
    url: str | None = None
    display_key: str | None = None


class StalledOut(BaseModel):
    key: str
    title: str
    team: str | None
    status: str | None
    in_status_since: str
    days_in_status: float
    url: str | None = None
    display_key: str | None = None


class FlaggedShareOut(BaseModel):
    team: str | None
    flow_item_days: float
    flagged_item_days: float
    flagged_share_pct: float | None


class BlockedOut(BaseModel):
    items: list[FlaggedOut]
    by_team: list[FlaggedShareOut]


class DependencyRiskOut(BaseModel):
    provider: dict[str, Any]
    consumer: dict[str, Any]
    plan_status: str = Field(description="the dependency's status by its plan")
    planned_by: str | None
    needed_by: str
    remaining_items: int
    sample_done: int = Field(description="provider team's stories done in the sample days")
    finish_p50: str | None
    finish_p85: str | None = Field(description="None: not within the forecast horizon")
    days_after_need: int | None
    reason: str


class DependencyRisksOut(BaseModel):
    assessed: int = Field(description="open dependencies with a needed-by date and a provider team")
    data: list[DependencyRiskOut]


class BottlenecksOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    level: str
    team: str | None
    as_of: str
    seed: int
    definition: dict[str, Any]
    time_in_status: list[StatusTimeOut]
    wip_trend: list[WipTrendOut]
    blocked: BlockedOut
    stalled: list[StalledOut]
    dependency_risk: DependencyRisksOut
