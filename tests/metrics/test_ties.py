"""PI-membership ties (docs/metrics.md "Periods and boundaries"), each worked out by hand.

A period is [start, end): a change stamped exactly at a period's start belongs to it ("as it
stood at the start" of an iteration or PI includes changes and items created at that
instant); "at its end" is the state just before the end. Each test is run in UTC and in
Berlin, where a local midnight is 23:00 UTC the day before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from builder import Art, at, d

from art.vocabulary import Level
from metrics.aging import aging_report
from metrics.baseline import baseline_report, plan_at
from metrics.burnup import burnup_report
from metrics.dependencies import dependencies_report
from metrics.timeline import day_end, day_start
from metrics.velocity import velocity_report

S, IT, PTS = "status", "iteration", "points"
TZS = ["UTC", "Europe/Berlin"]
TICK = timedelta(microseconds=1)


def _start(day: int, tz: str) -> datetime:
    """Local midnight starting day ``day`` (in UTC)."""
    return day_start(d(day), ZoneInfo(tz))


def _velocity_art(tz: str) -> Art:
    """I1 is days 0-13, I2 days 14-27; every change sits exactly on I1's start or end."""
    s, e = _start(0, tz), _start(14, tz)  # I1's start; I1's end = I2's start
    art = Art(timezone=tz, teams=["A"]).pi("PI 1", 0, 27)
    art.iteration("I1", 0, 13).iteration("I2", 14, 27)
    art.item("T1", [(s, IT, "I1")], points=3)  # moved in at the start: committed
    art.item("T2", [(s, PTS, 8), (s + timedelta(days=1), S, "Done")], iteration="I1", points=5)
    art.item("T3", [(e, S, "Done")], created=s, iteration="I1", points=2)  # done at the end
    art.item("T4", [(s, IT, "I2"), (at(20), S, "Done")], iteration="I1", points=1)
    art.item("T5", [(e, IT, "I2")], points=5)  # moved into I2 as it starts
    art.item("T6", [(e, IT, "I2")], iteration="I1", points=4)  # leaves I1 as it ends
    return art


def _velocity_rows(rep: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    keys = (
        "committed_points",
        "completed_points",
        "added_points",
        "carried_over_points",
        "say_do_pct",
        "committed_items",
    )
    return {r["iteration"]: tuple(r[k] for k in keys) for r in rep["data"]}


@pytest.mark.parametrize("tz", TZS)
def test_velocity_commitment_includes_changes_at_the_iteration_start(tz: str) -> None:
    rep = velocity_report(_velocity_art(tz).data(), at(30)).to_dict()
    assert _velocity_rows(rep) == {
        # committed: T1 3 (moved in at the start), T2 8 (re-estimated at the start), T3 2
        # (created at the start), T6 4; T4 left at the start. completed: T2. T3 is done only
        # at the end and T6 leaves only at the end: both carried over. 100 * 8 / 17.
        "I1": (17, 8, 0, 9, 47.0588, 4),
        # committed: T4 1, T5 5 and T6 4, all moved in by I2's first instant; T4 done
        "I2": (10, 1, 0, 9, 10.0, 3),
    }


@pytest.mark.parametrize("tz", TZS)
def test_velocity_reports_an_iteration_from_the_instant_it_ends(tz: str) -> None:
    data = _velocity_art(tz).data()
    end = day_end(d(13), ZoneInfo(tz))
    assert list(_velocity_rows(velocity_report(data, end).to_dict())) == ["I1"]
    assert velocity_report(data, end - TICK).data == []


def _baseline_art(tz: str) -> Art:
    s = _start(0, tz)  # PI 1's start
    art = Art(timezone=tz, teams=["A", "B"]).pi("PI 1", 0, 13).pi("PI 2", 14, 27)
    art.iteration("I1", 0, 6).iteration("I2", 7, 13).iteration("J1", 14, 27, pi="PI 2")
    f: dict[str, Any] = {"level": "feature"}
    art.item("FA", [(s, IT, "I1")], **f)  # planned into the PI at its first instant
    art.item("FB", [], created=s, iteration="I2", **f)  # created at that instant
    art.item("FC", [(s, S, "Won't Do")], iteration="I1", **f)  # removed then
    art.item("FD", [(s, IT, "J1")], iteration="I1", **f)  # moved to the next PI then
    art.item("FE", [], created=s + TICK, iteration="I1", **f)  # a microsecond late
    art.item("FF", [(s, "team", "B")], iteration="I1", **f)  # handed to B then
    art.item("SA", [(s, PTS, 5)], iteration="I1", points=3)
    art.item("SB", [], created=s, iteration="I2", points=2)
    art.item("SC", [], created=s + TICK, iteration="I2", points=8)
    return art


@pytest.mark.parametrize("tz", TZS)
def test_baseline_includes_changes_at_the_pi_start(tz: str) -> None:
    data = _baseline_art(tz).data()
    plan = plan_at(data, "PI 1")
    assert plan.at == _start(0, tz)
    assert {k: (p.team, p.iteration) for k, p in plan.features.items()} == {
        "FA": ("A", "I1"),
        "FB": ("A", "I2"),
        "FF": ("B", "I1"),
    }
    assert plan.scope_items == {"SA": 5.0, "SB": 2.0}
    rep = baseline_report(data, "PI 1", at(3)).to_dict()
    assert (rep["features"]["planned"], rep["features"]["added"]) == (3, ["FE"])
    assert rep["scope"]["baseline"] == {"items": 2, "points": 7}
    assert rep["scope"]["added"] == {"items": 1, "points": 8}


@pytest.mark.parametrize("tz", TZS)
def test_burnup_day_takes_changes_at_its_start_and_not_at_its_end(tz: str) -> None:
    s0, s1 = _start(0, tz), _start(1, tz)
    art = Art(timezone=tz).pi("PI 0", -14, -1).pi("PI 1", 0, 13)
    art.iteration("X", -14, -1, pi="PI 0").iteration("I1", 0, 13)
    art.item("B1", [(s0, IT, "I1")], iteration="X", points=1)  # in from the PI's first instant
    art.item("B2", [(s1, IT, "X")], iteration="I1", points=2)  # out as day 0 ends
    art.item("B3", [(s1, S, "Done")], iteration="I1", points=4)  # done as day 1 starts
    art.item("B4", [], created=s1, iteration="I1", points=8)  # created as day 1 starts
    rep = burnup_report(art.data(), "PI 1", at(3, 12)).to_dict()
    assert [(r["date"], r["scope"], r["done"]) for r in rep["data"]] == [
        ("2026-03-02", 7, 0),  # B1 + B2 + B3 at the end of day 0
        ("2026-03-03", 13, 4),  # B1 + B3 + B4; B3 done
        ("2026-03-04", 13, 4),
    ]


def _dependency_art() -> Art:
    """PI 1 is days 0-13 (I1), PI 2 days 14-27 (J1); the report is asked at day 5."""
    art = Art().pi("PI 1", 0, 13).pi("PI 2", 14, 27)
    art.iteration("I1", 0, 13).iteration("J1", 14, 27, pi="PI 2")
    f: dict[str, Any] = {"level": "feature"}
    art.item("P1", iteration="I1", **f).item("C1", iteration="J1", team="B", **f)
    art.item("P2", iteration="J1", **f).item("C2", iteration="J1", team="B", **f)
    art.item("P3", [(at(5), IT, "I1")], iteration="J1", **f)  # into PI 1 at the as-of time
    art.item("C3", iteration="J1", team="B", **f)
    art.item("P4", [(at(5), IT, "J1")], iteration="I1", **f)  # out of PI 1 at the as-of time
    art.item("C4", iteration="J1", team="B", **f)
    art.item("P5", pi="PI 1", **f).item("C5", team="B", **f)  # PI field, no iteration
    art.item("P6", iteration="J1", **f).item("C6", team="B", **f)  # consumer unplanned
    art.item("P7", [(at(6), IT, "I1")], iteration="J1", **f)  # into PI 1 after the as-of
    art.item("C7", team="B", **f)
    for k in range(1, 8):
        art.link(f"P{k}", "blocks", f"C{k}")
    return art


@pytest.mark.parametrize(
    ("pi", "pairs"),
    [
        ("PI 1", [1, 3, 5]),  # an end in PI 1 at as_of; C6's fallback PI plans nothing
        ("PI 2", [1, 2, 3, 4, 6, 7]),
        (None, [1, 2, 3, 4, 5, 6, 7]),  # the ART-wide list covers all
    ],
)
def test_dependency_report_covers_links_with_an_end_in_the_pi_at_as_of(
    pi: str | None, pairs: list[int]
) -> None:
    rep = dependencies_report(_dependency_art().data(), pi, at(5)).to_dict()
    got = [(x["provider"]["key"], x["consumer"]["key"]) for x in rep["data"]]
    assert got == [(f"P{k}", f"C{k}") for k in pairs]


def _aging_art(done_at: datetime, as_of: datetime) -> Art:
    art = Art()
    art.item("W", [(at(80), S, "In Progress")])
    art.item("R", [(done_at - timedelta(days=1), S, "In Progress"), (done_at, S, "Done")])
    art.item("NOW", [(as_of - timedelta(days=2), S, "In Progress"), (as_of, S, "Done")])
    return art


def test_aging_reference_takes_items_done_at_its_first_instant() -> None:
    as_of = at(90, 6)
    art = _aging_art(as_of - timedelta(days=90), as_of)
    body = aging_report(art.data(), as_of, level=Level.STORY).to_dict()
    # reference [as_of - 90 days, as_of): R (1.0 day); NOW, done at as_of itself, is not in it
    assert body["reference"] == {"window_days": 90, "count": 1, "p50": 1.0, "p85": 1.0, "p95": 1.0}
    (w,) = body["data"]
    assert (w["key"], w["age_days"], w["percentile_rank"], w["over_p85"]) == (
        "W",
        10.25,
        100.0,
        True,
    )


def test_aging_without_a_p85_reference_gives_nulls_at_the_window_edge() -> None:
    as_of = at(90, 6)
    art = _aging_art(as_of - timedelta(days=90) - TICK, as_of)  # R a microsecond too early
    body = aging_report(art.data(), as_of, level=Level.STORY).to_dict()
    assert body["reference"] == {
        "window_days": 90,
        "count": 0,
        "p50": None,
        "p85": None,
        "p95": None,
    }
    (w,) = body["data"]
    assert (w["key"], w["percentile_rank"], w["over_p85"]) == ("W", None, None)
