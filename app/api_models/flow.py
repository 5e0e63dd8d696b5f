"""Response models of the flow reports: the six flow metrics, cycle time, throughput, CFD,
WIP, aging, the Monte Carlo forecast and data quality."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.api_models.base import EX_AS_OF, EX_DEFINITION, ApiModel, Linked, Report, Stats

EX_FLOW_HEAD: JsonDict = {
    "from": "2026-09-04",
    "to": "2026-12-03",
    "level": "feature",
    "team": None,
}
EX_LINK: JsonDict = {"url": "https://acme.atlassian.net/browse/ATLAS-29", "display_key": "ATLAS-29"}

LevelField = Field(description="the level counted: feature, story or task")
TeamField = Field(description="the team the report is limited to; null for the whole ART")
UnitField = Field(description="`days` (fractional, as elapsed) or `calendar_days` (whole days)")


class Windowed(Report):
    """A report over a window of days (``from`` included, ``to`` excluded)."""

    from_: dt.date = Field(alias="from", description="first day of the window")
    to: dt.date = Field(description="the day after the window's last day")
    level: str = LevelField
    team: str | None = TeamField


class Bucket(ApiModel):
    period: dt.date = Field(description="the bucket's first day (a week is labelled by Monday)")
    items: int = Field(description="items done in the bucket")
    points: float = Field(description="their story points")
    iteration: str | None = Field(
        default=None, description="the iteration's name (with `interval=iteration` only)"
    )


class Velocity(ApiModel):
    items: int = Field(description="items done in the window")
    points: float = Field(description="their story points")
    by_work_type: dict[str, int] = Field(description="items done per work type")
    series: list[Bucket] = Field(description="items done per bucket of `interval`")


class DayLoad(ApiModel):
    date: dt.date = Field(description="the day")
    wip: int = Field(description="items in progress at the end of the day")


class Load(ApiModel):
    now: int = Field(description="items in progress at as_of")
    by_day: list[DayLoad] = Field(description="items in progress at the end of each day")


class FlowPredictability(ApiModel):
    pi: str = Field(description="the PI containing as_of's day")
    state: str = Field(description="not_started, in_progress or finished")
    predictability_pct: float | None = Field(description="actual / planned business value")
    complete: bool = Field(description="every objective scored and the PI started")
    scored: int = Field(description="objectives with an actual business value")
    objectives: int = Field(description="objectives of the PI")
    earned_pct: float | None = Field(description="business value earned so far, while it runs")
    projected_pct: float | None = Field(
        description="the PI outlook's median predictability at its end, while it runs"
    )


class FlowOut(Windowed):
    """SAFe's six flow metrics over the window."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EX_FLOW_HEAD,
                    "unit": "days",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "velocity": {
                        "items": 25,
                        "points": 0,
                        "by_work_type": {"debt": 2, "enabler": 6, "feature": 17},
                        "series": [{"period": "2026-08-31", "items": 0, "points": 0}],
                    },
                    "time": {
                        "count": 25,
                        "mean": 46.9565,
                        "p50": 48.7396,
                        "p85": 62.9324,
                        "p95": 73.0717,
                        "max": 82.6931,
                    },
                    "lead_time": {
                        "count": 25,
                        "mean": 65.3393,
                        "p50": 62.2639,
                        "p85": 88.6981,
                        "p95": 95.1147,
                        "max": 99.9479,
                    },
                    "load": {"now": 76, "by_day": [{"date": "2026-09-04", "wip": 48}]},
                    "efficiency_pct": 81.5,
                    "efficiency_note": None,
                    "distribution_pct": {"debt": 8.0, "enabler": 24.0, "feature": 68.0},
                    "wip_distribution_pct": {"debt": 11.8421, "enabler": 25.0, "feature": 63.1579},
                    "predictability": {
                        "pi": "PI 26.5",
                        "state": "in_progress",
                        "predictability_pct": 92.8571,
                        "complete": False,
                        "scored": 7,
                        "objectives": 17,
                        "earned_pct": 13.4615,
                        "projected_pct": 102.1541,
                    },
                }
            ]
        }
    )

    unit: str = UnitField
    velocity: Velocity = Field(description="flow velocity: items (and points) done")
    time: Stats = Field(description="flow time of the items done, started to done")
    lead_time: Stats = Field(description="lead time of the items done, created to done")
    load: Load = Field(description="flow load: items in progress")
    efficiency_pct: float | None = Field(description="active time / flow time of the items done")
    efficiency_note: str | None = Field(description="why efficiency may mislead; else null")
    distribution_pct: dict[str, float] = Field(description="share of items done per work type")
    wip_distribution_pct: dict[str, float] = Field(
        description="share of items in progress per work type"
    )
    predictability: FlowPredictability | None = Field(
        description="the current PI's predictability; null when no PI contains as_of's day"
    )


class CycleTimeRow(Linked):
    key: str = Field(description="the item's key")
    team: str | None = Field(description="its team")
    level: str = Field(description="its level")
    work_type: str = Field(description="feature, enabler, defect, debt or risk")
    started_at: dt.datetime | None = Field(description="first entry into an active or wait status")
    done_at: dt.datetime = Field(description="last entry into a done status")
    flow_time_days: float | None = Field(description="started to done, in `unit`")
    flow_time_calendar_days: int | None = Field(description="started to done, calendar days")
    active_days: float | None = Field(description="time in active statuses")
    wait_days: float | None = Field(description="time in wait statuses, flagged or back in todo")
    lead_time_days: float | None = Field(description="created to done")
    efficiency_pct: float | None = Field(description="active / flow time")


class CycleTimeOut(Windowed):
    """One row per item done in the window, and the flow time statistics."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EX_FLOW_HEAD,
                    "unit": "days",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "data": [
                        {
                            "key": "BOREALIS-5",
                            "team": "Borealis",
                            "level": "feature",
                            "work_type": "feature",
                            "started_at": "2026-08-20T15:36:00+00:00",
                            "done_at": "2026-09-16T12:51:00+00:00",
                            "flow_time_days": 26.8854,
                            "flow_time_calendar_days": 28,
                            "active_days": 26.8854,
                            "wait_days": 0.0,
                            "lead_time_days": 37.0104,
                            "efficiency_pct": 100.0,
                            "url": "https://acme.atlassian.net/browse/BOREALIS-5",
                            "display_key": "BOREALIS-5",
                        }
                    ],
                    "stats": {
                        "count": 25,
                        "mean": 46.9565,
                        "p50": 48.7396,
                        "p85": 62.9324,
                        "p95": 73.0717,
                        "max": 82.6931,
                    },
                }
            ]
        }
    )

    unit: str = UnitField
    data: list[CycleTimeRow] = Field(description="the items done in the window")
    stats: Stats = Field(description="flow time statistics of those items, in `unit`")


class ThroughputOut(Windowed):
    """Items done per day, week or iteration."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "interval": "week",
                    **EX_FLOW_HEAD,
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "data": [{"period": "2026-11-23", "items": 3, "points": 0}],
                }
            ]
        }
    )

    interval: str = Field(description="`day`, `week` or `iteration`")
    data: list[Bucket] = Field(description="one bucket per interval, empty ones included")


class CfdOut(Windowed):
    """Items per band at the end of each day."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EX_FLOW_HEAD,
                    "by": "category",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "categories": ["todo", "active", "wait", "done"],
                    "data": [
                        {"date": "2026-09-04", "todo": 2, "active": 48, "wait": 0, "done": 21}
                    ],
                }
            ]
        }
    )

    by: str = Field(description="`category` (status categories) or `status`")
    categories: list[str] = Field(description="the bands, in workflow order")
    data: list[dict[str, dt.date | int]] = Field(
        description="one row per day: `date`, then the items in each band"
    )


class WipRow(Linked):
    key: str = Field(description="the item's key")
    title: str = Field(description="its title")
    team: str | None = Field(description="its team")
    work_type: str = Field(description="its work type")
    status: str | None = Field(description="its status at as_of")
    status_category: str | None = Field(description="that status's category")
    started_at: dt.datetime | None = Field(description="when it started")
    age_days: float | None = Field(description="as_of minus started_at, in days")


class WipOut(Windowed):
    """Work in progress: the load each day and the items in progress now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EX_FLOW_HEAD,
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "now": 76,
                    "by_day": [{"date": "2026-09-04", "wip": 48}],
                    "data": [
                        {
                            "key": "ATLAS-29",
                            "title": "Refactor payments (feature)",
                            "team": "Atlas",
                            "work_type": "feature",
                            "status": "In Progress",
                            "status_category": "active",
                            "started_at": "2026-06-08T09:13:00+00:00",
                            "age_days": 176.616,
                            **EX_LINK,
                        }
                    ],
                }
            ]
        }
    )

    now: int = Field(description="items in progress at as_of")
    by_day: list[DayLoad] = Field(description="items in progress at the end of each day")
    data: list[WipRow] = Field(description="the items in progress at as_of")


class AgingReference(ApiModel):
    window_days: int = Field(description="days of done items the ages are ranked against")
    count: int = Field(description="items done in those days")
    p50: float | None = Field(description="their median flow time")
    p85: float | None = Field(description="85th percentile of their flow times")
    p95: float | None = Field(description="95th percentile of their flow times")


class AgingRow(WipRow):
    level: str = Field(description="its level")
    percentile_rank: float | None = Field(
        description="share of the reference flow times shorter than its age"
    )
    over_p85: bool | None = Field(
        description="older than the reference's 85th percentile; null without a reference"
    )


class AgingOut(Report):
    """Each item in progress with its age, ranked against recent flow times."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": "feature",
                    "team": None,
                    "unit": "days",
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "reference": {
                        "window_days": 90,
                        "count": 25,
                        "p50": 48.7396,
                        "p85": 62.9324,
                        "p95": 73.0717,
                    },
                    "data": [
                        {
                            "key": "ATLAS-29",
                            "title": "Refactor payments (feature)",
                            "team": "Atlas",
                            "level": "feature",
                            "work_type": "feature",
                            "status": "In Progress",
                            "status_category": "active",
                            "started_at": "2026-06-08T09:13:00+00:00",
                            "age_days": 176.616,
                            "percentile_rank": 100.0,
                            "over_p85": True,
                            **EX_LINK,
                        }
                    ],
                }
            ]
        }
    )

    level: str = LevelField
    team: str | None = TeamField
    unit: str = UnitField
    reference: AgingReference = Field(description="the flow times the ages are ranked against")
    data: list[AgingRow] = Field(description="items in progress, oldest first")


class Percentiles(ApiModel):
    p50: int | dt.date | None = Field(description="with 50% confidence")
    p85: int | dt.date | None = Field(description="with 85% confidence")
    p95: int | dt.date | None = Field(description="with 95% confidence")


class ForecastOut(Report):
    """Monte Carlo forecast: when N items will be done, or how many by a date."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": "feature",
                    "team": None,
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "seed": 1016631667,
                    "trials": 10000,
                    "sample_days": 90,
                    "throughput_sample": [0, 1, 0, 2],
                    "start_date": "2026-12-02",
                    "date": "2027-01-03",
                    "how_many": {"p50": 9, "p85": 6, "p95": 4},
                    "pi": "PI 26.5",
                }
            ]
        }
    )

    level: str = LevelField
    team: str | None = TeamField
    seed: int = Field(description="the random seed used (give it back to repeat the answer)")
    trials: int = Field(description="simulated futures")
    sample_days: int = Field(description="days of throughput sampled")
    throughput_sample: list[int] = Field(description="items done on each sampled day")
    start_date: dt.date = Field(description="the first simulated day (as_of's day)")
    items: int | None = Field(default=None, description="the question `items=`, if asked")
    when: Percentiles | None = Field(
        default=None, description="with `items=`: the day they are all done"
    )
    date: dt.date | None = Field(default=None, description="the question `date=` (or the PI's end)")
    how_many: Percentiles | None = Field(
        default=None, description="without `items=`: how many done by the end of `date`"
    )
    pi: str | None = Field(
        default=None, description="with neither `items=` nor `date=`: the current PI forecast to"
    )


class Finding(ApiModel):
    kind: str = Field(description="what is wrong (one of `summary`'s kinds)")
    subject: str = Field(description="the item, objective, status or link concerned")
    detail: str = Field(description="why it matters")
    at: dt.datetime | None = Field(description="when it happened, if known")


class DataQualityOut(Report):
    """What makes the figures untrustworthy at as_of."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": EX_AS_OF,
                    "definition": EX_DEFINITION,
                    "summary": {"unmapped_status": 0, "done_without_start": 54, "no_team": 0},
                    "data": [
                        {
                            "kind": "done_without_start",
                            "subject": "ATLAS-227",
                            "detail": "went to done without an active or wait status: counted "
                            "in throughput, no flow time",
                            "at": "2026-06-10T10:47:00+00:00",
                        }
                    ],
                }
            ]
        }
    )

    summary: dict[str, int] = Field(description="findings per kind, every kind listed")
    data: list[Finding] = Field(description="one finding per row")
