"""The JSON shape of ``GET /pis/{pi}/outlook`` for the OpenAPI document (the route returns a
Response for the ETag and CSV; this model only describes it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class OutlookFiguresOut(BaseModel):
    projected_pct: float | None = Field(description="median of the trials")
    projected_pct_85: float | None = Field(description="15th percentile: beaten in 85%")
    chance_in_band_pct: float | None = Field(description="share of trials at 80 or above")
    projected_band: str | None = Field(description="below / within / above, of the median")
    unprojectable: int = Field(description="objectives with neither actual BV nor linked items")


class OutlookTeamOut(OutlookFiguresOut):
    team: str | None
    objective_work: int = Field(description="remaining stories of its objectives")
    other_work: int = Field(description="its other remaining stories planned in the PI")
    capacity_p50: float | None = Field(description="stories the median trial finishes")


class OutlookObjectiveOut(BaseModel):
    id: int | str
    team: str | None
    text: str
    committed: bool
    planned_bv: float | None
    actual_bv: float | None
    total_work: int
    remaining_work: int
    projected_bv: float | None
    chance_complete_pct: float | None


class OutlookFeatureOut(BaseModel):
    key: str
    title: str
    team: str
    queue: str = Field(description="committed / uncommitted / other")
    position: int
    remaining_stories: int
    chance_done_by_pi_end_pct: float
    url: str | None = None
    display_key: str | None = None


class OutlookOut(BaseModel):
    pi: str
    as_of: str
    definition: dict[str, Any]
    seed: int
    trials: int
    first_day: str
    last_day: str | None
    days: int
    art: OutlookFiguresOut
    teams: list[OutlookTeamOut]
    throughput_samples: dict[str, list[int]]
    objectives: list[OutlookObjectiveOut]
    features: list[OutlookFeatureOut]
