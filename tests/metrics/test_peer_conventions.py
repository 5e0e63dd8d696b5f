"""Peer conventions teams migrate from (issue 12 item 4), worked out by hand.

Aging with ``unit=calendar_days`` counts whole calendar days in the ART's time zone by the rule
of flow time's calendar days; ``restart_on_backlog`` gives an item moved back to todo and
started again its last start, in every report that reads started_at.
"""

from __future__ import annotations

from typing import Any

import pytest
from builder import Art, at, d

from art.vocabulary import Level
from metrics.aging import aging_report
from metrics.cycle_time import cycle_time_report
from metrics.flow import flow_report
from metrics.inputs import Window
from metrics.wip import wip_report

S, IP, TODO, DONE = "status", "In Progress", "To Do", "Done"
STORY = Level.STORY


def _calendar_art(tz: str, count_start_day: bool) -> Art:
    """Two done items for the reference and two in progress, around local midnights.

    A starts 2026-03-02 23:30 UTC (03-03 00:30 in Berlin) and is done 03-04 12:00: 3 calendar
    days in UTC, 2 in Berlin. B: 03-03 12:00 to 03-05 12:00, 3 days in both. W starts 03-07
    23:30 UTC (03-08 in Berlin), W2 03-09 12:00; as_of is 03-11 12:00.
    """
    art = Art(timezone=tz, definition_kw={"count_start_day": count_start_day})
    art.item("A", [(at(0, 23.5), S, IP), (at(2, 12), S, DONE)])
    art.item("B", [(at(1, 12), S, IP), (at(3, 12), S, DONE)])
    art.item("W", [(at(5, 23.5), S, IP)])
    art.item("W2", [(at(7, 12), S, IP)])
    return art


# (tz, count_start_day) -> reference (count, p50, p85, p95), rows (key, age, rank, over_p85)
CALENDAR: dict[tuple[str, bool], tuple[tuple[Any, ...], list[tuple[Any, ...]]]] = {
    # reference [3, 3]; W 03-07..03-11 = 4 + 1; W2 03-09..03-11 = 2 + 1, not over 3
    ("UTC", True): ((2, 3.0, 3.0, 3.0), [("W", 5, 100.0, True), ("W2", 3, 0.0, False)]),
    ("UTC", False): ((2, 2.0, 2.0, 2.0), [("W", 4, 100.0, True), ("W2", 2, 0.0, False)]),
    # reference [2, 3]: p85 = 2 + 0.85 = 2.85; W starts 03-08 there; W2 3 > 2.85
    ("Europe/Berlin", True): (
        (2, 2.5, 2.85, 2.95),
        [("W", 4, 100.0, True), ("W2", 3, 50.0, True)],
    ),
    ("Europe/Berlin", False): (
        (2, 1.5, 1.85, 1.95),
        [("W", 3, 100.0, True), ("W2", 2, 50.0, True)],
    ),
}


@pytest.mark.parametrize(("tz", "count_start_day"), list(CALENDAR))
def test_aging_in_calendar_days(tz: str, count_start_day: bool) -> None:
    ref, rows = CALENDAR[(tz, count_start_day)]
    data = _calendar_art(tz, count_start_day).data()
    body = aging_report(data, at(9, 12), STORY, unit="calendar_days").to_dict()
    r = body["reference"]
    assert (r["count"], r["p50"], r["p85"], r["p95"]) == ref
    got = [(x["key"], x["age_days"], x["percentile_rank"], x["over_p85"]) for x in body["data"]]
    assert got == rows
    assert all(type(x["age_days"]) is int for x in body["data"])
    assert body["unit"] == body["definition"]["unit"] == "calendar_days"
    assert body["definition"]["count_start_day"] is count_start_day


def test_aging_in_days_is_unchanged_by_the_calendar_unit() -> None:
    body = aging_report(_calendar_art("Europe/Berlin", True).data(), at(9, 12), STORY).to_dict()
    assert body["unit"] == "days"
    assert body["reference"]["p50"] == 1.7604  # A 36.5 hours (1.5208 days), B 2.0 days
    assert [(x["key"], x["age_days"]) for x in body["data"]] == [("W", 3.5208), ("W2", 2.0)]


def test_aging_calendar_ties_on_the_day_break_by_start() -> None:
    art = Art()
    art.item("Z", [(at(5, 1), S, IP)]).item("Y", [(at(5, 20), S, IP)])
    rows = aging_report(art.data(), at(9, 12), STORY, unit="calendar_days").data
    assert [(r.item.key, r.age_days) for r in rows] == [("Z", 5), ("Y", 5)]


def _restart_art(restart: bool) -> Art:
    """X: started day 0, back to todo on day 1, started again on day 3, done on day 4.
    Y: started day -5, back to todo day -4, started again day 6, still in progress.
    Z: 1.0 to 6.0, no restart. Window [day 0, day 7), as_of day 10.
    """
    art = Art(definition_kw={"restart_on_backlog": restart})
    art.item("X", [(at(0), S, IP), (at(1), S, TODO), (at(3), S, IP), (at(4), S, DONE)])
    art.item("Y", [(at(-5), S, IP), (at(-4), S, TODO), (at(6), S, IP)])
    art.item("Z", [(at(1), S, IP), (at(6), S, DONE)])
    return art


WINDOW = Window(d(0), d(7))


@pytest.mark.parametrize(
    ("restart", "x_row", "efficiency", "time"),
    [
        # X 4.0 days of which 2.0 back in todo; Z 5.0 active: (1 + 1 + 5) / (4 + 5)
        (False, ("2026-03-02T00:00:00+00:00", 4.0, 5, 2.0, 2.0, 50.0), 77.7778, (4.5, 4.85)),
        # X restarted on day 3: 1.0 day, all active; (1 + 5) / (1 + 5)
        (True, ("2026-03-05T00:00:00+00:00", 1.0, 2, 1.0, 0.0, 100.0), 100.0, (3.0, 4.4)),
    ],
)
def test_restart_flows_through_cycle_time_and_efficiency(
    restart: bool, x_row: tuple[Any, ...], efficiency: float, time: tuple[float, float]
) -> None:
    data = _restart_art(restart).data()
    ct = cycle_time_report(data, WINDOW, at(10), STORY).to_dict()
    keys = (
        "started_at",
        "flow_time_days",
        "flow_time_calendar_days",
        "active_days",
        "wait_days",
        "efficiency_pct",
    )
    rows = {r["key"]: tuple(r[k] for k in keys) for r in ct["data"]}
    assert rows["X"] == x_row
    assert rows["Z"] == ("2026-03-03T00:00:00+00:00", 5.0, 6, 5.0, 0.0, 100.0)
    assert ct["definition"]["restart_on_backlog"] is restart
    flow = flow_report(data, WINDOW, at(10), STORY).to_dict()
    assert flow["efficiency_pct"] == efficiency
    assert (flow["time"]["p50"], flow["time"]["p85"]) == time
    assert flow["definition"]["restart_on_backlog"] is restart


@pytest.mark.parametrize(
    ("restart", "age", "rank", "over"),
    [
        (False, 15.0, 100.0, True),  # from day -5; reference [4, 5], p85 4.85
        (True, 4.0, 50.0, False),  # from day 6; reference [1, 5], p85 4.4
    ],
)
def test_restart_flows_through_aging_and_wip(
    restart: bool, age: float, rank: float, over: bool
) -> None:
    data = _restart_art(restart).data()
    body = aging_report(data, at(10), STORY).to_dict()
    (y,) = body["data"]
    assert (y["key"], y["age_days"], y["percentile_rank"], y["over_p85"]) == ("Y", age, rank, over)
    assert body["definition"]["restart_on_backlog"] is restart
    (w,) = wip_report(data, WINDOW, at(10), STORY).to_dict()["data"]
    assert (w["key"], w["age_days"]) == ("Y", age)


@pytest.mark.parametrize("restart", [False, True])
def test_restart_leaves_the_flow_load_as_it_stood_each_day(restart: bool) -> None:
    # X counts from day 0 either way: back in todo it was waiting, not unstarted
    load = flow_report(_restart_art(restart).data(), WINDOW, at(10), STORY).load
    assert [n for _, n in load.by_day] == [2, 3, 3, 3, 2, 2, 1]
    assert load.now == 1
