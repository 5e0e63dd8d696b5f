"""Response model of the PI outlook: Monte Carlo projections of the PI's predictability, per
team and for the ART, each objective's and each feature's chance."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field

from app.api_models.base import EX_AS_OF, EX_DEFINITION, ApiModel, Linked, Report
from app.api_models.pi import ObjectiveFields


class OutlookFiguresOut(ApiModel):
    projected_pct: float | None = Field(description="median predictability of the trials")
    projected_pct_85: float | None = Field(description="15th percentile: beaten in 85%")
    chance_in_band_pct: float | None = Field(description="share of trials at 80 or above")
    projected_band: str | None = Field(description="below / within / above, of the median")
    unprojectable: int = Field(description="objectives with neither actual BV nor linked items")


class OutlookTeamOut(OutlookFiguresOut):
    team: str | None = Field(description="the team")
    objective_work: int = Field(description="remaining stories of its objectives")
    other_work: int = Field(description="its other remaining stories planned in the PI")
    capacity_p50: float | None = Field(description="stories the median trial finishes")


class OutlookObjectiveOut(ObjectiveFields):
    total_work: int = Field(description="stories of its items")
    remaining_work: int = Field(description="of those, not done at as_of")
    projected_bv: float | None = Field(description="median business value of the trials")
    chance_complete_pct: float | None = Field(
        description="share of trials in which all its stories are done"
    )


class OutlookFeatureOut(Linked):
    key: str = Field(description="the feature's key")
    title: str = Field(description="its title")
    team: str = Field(description="its team")
    queue: str = Field(description="committed / uncommitted / other")
    position: int = Field(description="its place in the team's queue")
    remaining_stories: int = Field(description="its stories not done at as_of")
    chance_done_by_pi_end_pct: float = Field(
        description="share of trials in which it is done by the PI's end"
    )


class OutlookOut(Report):
    """How the PI is likely to end, from each team's recent daily throughput."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pi": "PI 26.5",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "seed": 2981037253,
                    "trials": 10000,
                    "first_day": "2026-12-03",
                    "last_day": "2027-01-03",
                    "days": 32,
                    "art": {
                        "projected_pct": 102.1541,
                        "projected_pct_85": 99.9565,
                        "chance_in_band_pct": 100.0,
                        "projected_band": "above",
                        "unprojectable": 0,
                    },
                    "teams": [
                        {
                            "team": "Atlas",
                            "projected_pct": 86.1111,
                            "projected_pct_85": 86.1111,
                            "chance_in_band_pct": 100.0,
                            "projected_band": "within",
                            "unprojectable": 0,
                            "objective_work": 33,
                            "other_work": 23,
                            "capacity_p50": 35.0,
                        }
                    ],
                    "throughput_samples": {"Atlas": [1, 2, 1, 1, 0]},
                    "objectives": [
                        {
                            "id": 25,
                            "team": "Atlas",
                            "text": "Atlas: simplify checkout",
                            "committed": True,
                            "planned_bv": 7,
                            "actual_bv": 6,
                            "total_work": 20,
                            "remaining_work": 13,
                            "projected_bv": 6.0,
                            "chance_complete_pct": 99.17,
                        }
                    ],
                    "features": [
                        {
                            "key": "ATLAS-11",
                            "title": "Improve catalog (feature)",
                            "team": "Atlas",
                            "queue": "committed",
                            "position": 1,
                            "remaining_stories": 6,
                            "chance_done_by_pi_end_pct": 100.0,
                            "url": "https://acme.atlassian.net/browse/ATLAS-11",
                            "display_key": "ATLAS-11",
                        }
                    ],
                }
            ]
        }
    )

    pi: str = Field(description="the PI's name")
    seed: int = Field(description="the random seed used (the same request repeats its answer)")
    trials: int = Field(description="simulated ends of the PI")
    first_day: dt.date = Field(description="the first simulated day")
    last_day: dt.date | None = Field(description="the PI's last day")
    days: int = Field(description="days simulated")
    art: OutlookFiguresOut = Field(description="the ART's projection")
    teams: list[OutlookTeamOut] = Field(description="each team's projection")
    throughput_samples: dict[str, list[int]] = Field(
        description="per team, the stories done on each sampled day"
    )
    objectives: list[OutlookObjectiveOut] = Field(description="each objective's projection")
    features: list[OutlookFeatureOut] = Field(description="each feature's chance, queue order")
