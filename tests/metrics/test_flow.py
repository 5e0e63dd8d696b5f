"""Flow velocity, time, load, efficiency and distribution on a hand-computed sample.

See builder.flow_art for the items. Window [2026-03-02, 2026-03-09), as_of 2026-03-12.
Done in the window: S1 (day 2, 3 points, flow 2.0, all active), S2 (day 4, 5 points,
flow 2.5 of which 1.0 blocked), S3 (day 3, 2 points, never started). S7 is done at exactly
the window's end (local midnight of 'to') and so is outside it.
"""

from __future__ import annotations

import pytest
from builder import Art, at, d, flow_art

from art.vocabulary import Level
from metrics.cycle_time import cycle_time_report
from metrics.flow import flow_report
from metrics.inputs import Window

WINDOW = Window(d(0), d(7))
AS_OF = at(10)


def test_velocity_counts_items_done_in_window() -> None:
    rep = flow_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY)
    assert rep.velocity.items == 3
    assert rep.velocity.points == 10.0
    assert rep.velocity.by_work_type == {"defect": 1, "feature": 2}
    assert [(b.period, b.items) for b in rep.velocity.series] == [(d(-0), 3)]


def test_flow_time_statistics_leave_out_never_started_items() -> None:
    out = flow_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    assert out["time"] == {
        "count": 2,
        "mean": 2.25,
        "p50": 2.25,
        "p85": 2.425,
        "p95": 2.475,
        "max": 2.5,
    }
    # lead times: S1 9.375, S3 10.4167, S2 11.0 (created 2026-02-23)
    assert out["lead_time"] == {
        "count": 3,
        "mean": 10.2639,
        "p50": 10.4167,
        "p85": 10.825,
        "p95": 10.9417,
        "max": 11.0,
    }


def test_calendar_day_unit() -> None:
    out = flow_report(
        flow_art().data(), WINDOW, AS_OF, level=Level.STORY, unit="calendar_days"
    ).to_dict()
    # S1 2026-03-02 -> 03-04: 3 days; S2 03-03 -> 03-06: 4 days (start day counted)
    assert out["time"]["mean"] == 3.5 and out["time"]["max"] == 4.0


def test_efficiency_is_a_ratio_of_sums() -> None:
    out = flow_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    assert out["efficiency_pct"] == 77.7778  # (2.0 + 1.5) / (2.0 + 2.5)


def test_distribution_done_and_wip() -> None:
    out = flow_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    assert out["distribution_pct"] == {"defect": 33.3333, "feature": 66.6667}
    # WIP now: S5 (enabler, reopened), S6 (debt), S8 (feature, back in todo)
    assert out["wip_distribution_pct"] == {"debt": 33.3333, "enabler": 33.3333, "feature": 33.3333}


def test_load_per_day_and_now() -> None:
    out = flow_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    # day 0: S1 S7 S8 | 1: +S2 | 2: S2 S4 S7 S8 | 3: S2 S7 S8 (S2 done at midnight ending day 3
    # belongs to day 4) | 4: S5 S7 S8 | 5: S7 S8 | 6: S5 reopened, S7 S8
    assert [r["wip"] for r in out["load"]["by_day"]] == [3, 4, 4, 3, 3, 2, 3]
    assert out["load"]["by_day"][0]["date"] == "2026-03-02"
    assert out["load"]["now"] == 3


def test_load_stops_at_the_last_complete_day() -> None:
    out = flow_report(flow_art().data(), WINDOW, at(3, 12), level=Level.STORY).to_dict()
    assert [r["wip"] for r in out["load"]["by_day"]] == [3, 4, 4]
    assert out["load"]["now"] == 3  # S2 (in progress again), S7, S8


@pytest.mark.parametrize(("tz", "expected"), [("UTC", [1, 1]), ("Europe/Berlin", [0, 1])])
def test_load_day_boundary_in_the_art_time_zone(tz: str, expected: list[int]) -> None:
    # started 2026-03-02 23:30 UTC = 2026-03-03 00:30 in Berlin
    art = Art(timezone=tz).item("X", [(at(0, 23.5), "status", "In Progress")])
    out = flow_report(art.data(), Window(d(0), d(2)), AS_OF, level=Level.STORY).to_dict()
    assert [r["wip"] for r in out["load"]["by_day"]] == expected


@pytest.mark.parametrize(("tz", "items"), [("UTC", 1), ("Europe/Berlin", 0)])
def test_window_edges_are_local_midnights(tz: str, items: int) -> None:
    # done 2026-03-08 23:30 UTC: inside [03-02, 03-09) in UTC, on 03-09 in Berlin
    art = Art(timezone=tz).item(
        "X", [(at(6), "status", "In Progress"), (at(6, 23.5), "status", "Done")]
    )
    assert flow_report(art.data(), WINDOW, AS_OF, level=Level.STORY).velocity.items == items


def test_level_defaults_to_feature_for_the_art_and_story_for_a_team() -> None:
    data = flow_art().data()
    assert flow_report(data, WINDOW, AS_OF).level == Level.FEATURE
    assert flow_report(data, WINDOW, AS_OF, team="A").level == Level.STORY
    assert flow_report(data, WINDOW, AS_OF, team="B").velocity.items == 0


def test_empty_window_gives_nulls_not_zeros() -> None:
    out = flow_report(flow_art().data(), Window(d(20), d(21)), at(30), level=Level.STORY).to_dict()
    assert out["time"]["count"] == 0 and out["time"]["mean"] is None
    assert out["efficiency_pct"] is None and out["distribution_pct"] == {}


def test_cycle_time_rows() -> None:
    out = cycle_time_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    rows = {r["key"]: r for r in out["data"]}
    assert list(rows) == ["S1", "S3", "S2"]  # by done_at
    assert rows["S2"]["active_days"] == 1.5 and rows["S2"]["wait_days"] == 1.0
    assert rows["S2"]["efficiency_pct"] == 60.0
    assert rows["S2"]["flow_time_calendar_days"] == 4
    assert rows["S3"]["flow_time_days"] is None and rows["S3"]["started_at"] is None
    assert out["stats"]["count"] == 2
    assert out["definition"]["window"] == {"from": "2026-03-02", "to": "2026-03-09"}


def test_flow_predictability_hook_uses_the_pi_of_the_window() -> None:
    art = flow_art().pi("PI 1", 0, 69).objective("A", True, 10, 8).objective("A", False, 2, 3)
    out = flow_report(art.data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    assert out["predictability"] == {
        "pi": "PI 1",
        "state": "in_progress",
        "predictability_pct": 110.0,
        "complete": True,
        "scored": 2,
        "objectives": 2,
        "earned_pct": None,
        "projected_pct": 110.0,  # the outlook: both scored keep their actual BV, 11 / 10
    }


def test_wip_report() -> None:
    from metrics.wip import wip_report

    out = wip_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    assert out["now"] == 3
    assert [(r["key"], r["status"], r["age_days"]) for r in out["data"]] == [
        ("S8", "To Do", 12.0),
        ("S5", "In Progress", 6.0),
        ("S6", "In Progress", 1.5),
    ]
    assert [r["wip"] for r in out["by_day"]] == [3, 4, 4, 3, 3, 2, 3]
