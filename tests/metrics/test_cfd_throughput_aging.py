"""CFD, throughput and aging on builder.flow_art, values worked out by hand."""

from __future__ import annotations

import pytest
from builder import Art, at, d, flow_art

from art.vocabulary import Level
from metrics.aging import aging_report
from metrics.cfd import cfd_report
from metrics.inputs import Window
from metrics.throughput import throughput_report

WINDOW = Window(d(0), d(7))
AS_OF = at(10)


def test_cfd_by_category() -> None:
    rep = cfd_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY).to_dict()
    rows = [[r["todo"], r["active"], r["wait"], r["done"]] for r in rep["data"]]
    assert rows == [
        [4, 3, 0, 0],  # S2 S3 S4 S5 todo; S1 S7 S8 active (S6 not created yet)
        [4, 3, 0, 0],  # S8 back to todo, S2 started
        [3, 2, 1, 1],  # S1 done, S2 blocked, S4 started
        [2, 2, 0, 2],  # S4 removed: left out; S3 done
        [1, 2, 0, 3],  # S2 done, S5 started
        [1, 1, 0, 4],  # S5 done
        [1, 2, 0, 3],  # S5 reopened leaves the done band
    ]
    assert rep["categories"] == ["todo", "active", "wait", "done"]


def test_cfd_by_status_in_workflow_order() -> None:
    rep = cfd_report(flow_art().data(), WINDOW, AS_OF, level=Level.STORY, by="status").to_dict()
    assert rep["categories"] == ["To Do", "In Progress", "In Review", "Blocked", "Done", "Closed"]
    assert {k: v for k, v in rep["data"][2].items() if k != "date"} == {
        "To Do": 3,
        "In Progress": 2,
        "In Review": 0,
        "Blocked": 1,
        "Done": 1,
        "Closed": 0,
    }


def test_cfd_leaves_out_items_created_later() -> None:
    rep = cfd_report(flow_art().data(), Window(d(7), d(10)), AS_OF, level=Level.STORY)
    totals = [sum(row.values()) for _, row in rep.data]
    assert totals == [6, 7, 7]  # S6 created on day 8


def test_throughput_per_day_with_zero_days() -> None:
    rep = throughput_report(flow_art().data(), WINDOW, AS_OF, interval="day", level=Level.STORY)
    assert [(b.period, b.items, b.points) for b in rep.data] == [
        (d(0), 0, 0),
        (d(1), 0, 0),
        (d(2), 1, 3),
        (d(3), 1, 2),
        (d(4), 1, 5),
        (d(5), 0, 0),
        (d(6), 0, 0),
    ]


def test_throughput_weeks_are_labelled_by_their_monday() -> None:
    rep = throughput_report(
        flow_art().data(), Window(d(2), d(10)), AS_OF, interval="week", level=Level.STORY
    ).to_dict()
    assert rep["data"] == [
        {"period": "2026-03-02", "items": 3, "points": 10},  # Wed-Sun of the first week
        {"period": "2026-03-09", "items": 1, "points": 13},  # S7 on Monday 03-09
    ]


def test_throughput_per_iteration_includes_empty_ones() -> None:
    art = flow_art().iteration("I1", 0, 4).iteration("I2", 5, 11)
    rep = throughput_report(art.data(), WINDOW, AS_OF, interval="iteration", level=Level.STORY)
    assert [(b.label, b.items) for b in rep.data] == [("I1", 3), ("I2", 0)]
    assert rep.to_dict()["data"][0]["iteration"] == "I1"


def test_throughput_stops_at_the_as_of_day() -> None:
    rep = throughput_report(flow_art().data(), WINDOW, at(3, 12), "day", level=Level.STORY)
    assert [b.items for b in rep.data] == [0, 0, 1, 1]


@pytest.mark.parametrize(("tz", "day"), [("UTC", 0), ("Europe/Berlin", 1)])
def test_throughput_day_in_the_art_time_zone(tz: str, day: int) -> None:
    art = Art(timezone=tz).item("X", [(at(0, 23.5), "status", "Done")])
    rep = throughput_report(art.data(), Window(d(0), d(2)), AS_OF, "day", level=Level.STORY)
    assert [b.items for b in rep.data] == [1 if k == day else 0 for k in range(2)]


def test_aging_ranks_against_recent_flow_times() -> None:
    art = flow_art()
    art.item(
        "OLD", [(at(-101), "status", "In Progress"), (at(-100), "status", "Done")], created=at(-120)
    )
    rep = aging_report(art.data(), AS_OF, level=Level.STORY).to_dict()
    # reference: S1 2.0, S2 2.5, S7 10.0 (OLD is more than 90 days back)
    assert rep["reference"] == {
        "window_days": 90,
        "count": 3,
        "p50": 2.5,
        "p85": 7.75,
        "p95": 9.25,
    }
    got = [
        (r["key"], r["age_days"], r["percentile_rank"], r["over_p85"], r["status"])
        for r in rep["data"]
    ]
    assert got == [
        ("S8", 12.0, 100.0, True, "To Do"),
        ("S5", 6.0, 66.6667, False, "In Progress"),
        ("S6", 1.5, 0.0, False, "In Progress"),
    ]


def test_aging_rank_counts_strictly_shorter_flow_times() -> None:
    art = Art()
    art.item("A", [(at(0), "status", "In Progress"), (at(2), "status", "Done")])
    art.item("B", [(at(5), "status", "In Progress")])
    (row,) = aging_report(art.data(), at(7), level=Level.STORY).data
    assert (row.age_days, row.percentile_rank, row.over_p85) == (2.0, 0.0, False)


def test_aging_without_reference_gives_nulls() -> None:
    art = Art().item("B", [(at(5), "status", "In Progress")])
    (row,) = aging_report(art.data(), at(7), level=Level.STORY).to_dict()["data"]
    assert (row["percentile_rank"], row["over_p85"]) == (None, None)
