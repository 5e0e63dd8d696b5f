"""Velocity, burn-up, plan baseline and program board from iteration/points history."""

from __future__ import annotations

from typing import Any

from builder import Art, Milestone, at, d

from metrics.baseline import PlanSnapshot, baseline_report, plan_at
from metrics.burnup import burnup_report
from metrics.program_board import program_board
from metrics.velocity import velocity_report

S, IT, PTS = "status", "iteration", "points"


def _velocity_art() -> Art:
    art = Art(teams=["A", "B"]).pi("PI 1", 0, 41)
    art.iteration("I1", 0, 13).iteration("I2", 14, 27).iteration("I3", 28, 41)
    art.item("V1", [(at(5), S, "Done")], iteration="I1", points=3)
    art.item("V2", [(at(2), PTS, 8), (at(13, 23), S, "Done")], iteration="I1", points=5)
    art.item("V3", [], created=at(3), iteration="I1", points=2)  # added, not done
    art.item("V4", [(at(10), IT, "I2"), (at(20), S, "Done")], iteration="I1", points=3)
    art.item("V5", [(at(4), S, "Won't Do")], iteration="I1", points=1)
    art.item("V6", [(at(14), S, "Done")], iteration="I1", points=2)  # done at I1's end: late
    art.item("V7", [(at(1), S, "Done")], iteration="I1", points=3, team="B")
    art.item("F", [], iteration="I1", points=40, level="feature")  # not a story
    return art


def _rows(rep: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, ...]]:
    keys = (
        "committed_points",
        "completed_points",
        "added_points",
        "carried_over_points",
        "say_do_pct",
    )
    return {(r["team"], r["iteration"]): tuple(r[k] for k in keys) for r in rep["data"]}


def test_velocity_per_team_and_finished_iteration() -> None:
    rep = velocity_report(_velocity_art().data(), at(30)).to_dict()
    assert _rows(rep) == {
        # committed V1 3 + V2 5 (points at start) + V4 3 + V5 1 + V6 2; completed V1 + V2 at 8
        ("A", "I1"): (14, 11, 2, 4, 78.5714),
        ("A", "I2"): (3, 3, 0, 0, 100.0),  # V4 moved in before I2 started
        ("B", "I1"): (3, 3, 0, 0, 100.0),
        # no ("B", "I2"): no item of B was ever in I2
    }


def test_velocity_of_one_team_and_pi() -> None:
    art = _velocity_art().pi("PI 2", 42, 55).iteration("J1", 42, 55, pi="PI 2")
    art.item("V8", [(at(43), S, "Done")], iteration="J1", points=1, team="B")
    assert list(_rows(velocity_report(art.data(), at(60), team="B").to_dict())) == [
        ("B", "I1"),
        ("B", "J1"),
    ]
    rep = velocity_report(art.data(), at(60), team="B", pi="PI 1").to_dict()
    assert list(_rows(rep)) == [("B", "I1")]


def test_velocity_rows_only_for_iterations_the_team_was_in_while_they_ran() -> None:
    """W1 was in I2 only before I2 started: no row; W2 only for a day in the middle of I1:
    a row, with nothing to count."""
    art = Art(teams=["A"]).pi("PI 1", 0, 41)
    art.iteration("I1", 0, 13).iteration("I2", 14, 27).iteration("I3", 28, 41)
    art.item("W1", [(at(10), IT, "I3")], iteration="I2", points=2)
    art.item("W2", [(at(3), IT, "I1"), (at(4), IT, None)], points=3)
    rep = velocity_report(art.data(), at(50)).to_dict()
    assert _rows(rep) == {("A", "I1"): (0, 0, 0, 0, None), ("A", "I3"): (2, 0, 0, 2, 0.0)}


def test_velocity_merges_same_named_sprints_of_a_team() -> None:
    """Sprints 71 and 81 (two boards of team A) are both "Sprint 1": one row; V2 moved from
    one to the other during the sprint counts once, as committed and done."""
    art = Art(teams=["A", "B"]).pi("PI 1", 0, 41)
    art.iteration("71", 0, 13, team="A", name="Sprint 1")
    art.iteration("81", 0, 13, team="A", name="Sprint 1")
    art.iteration("ART-1", 0, 13, name="I1")  # ART-wide, nobody's
    art.item("V1", [(at(2), S, "Done")], iteration="71", points=3)
    art.item("V2", [(at(4), IT, "81"), (at(5), S, "Done")], iteration="71", points=5)
    art.item("V3", [], iteration="81", points=1)
    art.item("F", [], iteration="81", points=8, level="feature")
    rep = velocity_report(art.data(), at(20)).to_dict()
    assert _rows(rep) == {("A", "Sprint 1"): (9, 8, 0, 1, 88.8889)}
    assert rep["data"][0]["iteration_keys"] == ["71", "81"]


def test_velocity_with_team_iterations() -> None:
    art = Art(teams=["A", "B"]).pi("PI 1", 0, 41).iteration("A-1", 0, 13, team="A")
    art.item("X", [(at(3), S, "Done")], iteration="A-1", points=5)
    rep = velocity_report(art.data(), at(30)).to_dict()
    assert _rows(rep) == {("A", "A-1"): (5, 5, 0, 0, 100.0)}


def _burnup_art() -> Art:
    art = Art().pi("PI 0", -14, -1).pi("PI 1", 0, 13).iteration("X", -14, -1, pi="PI 0")
    art.iteration("I1", 0, 6).iteration("I2", 7, 13)
    art.item("B1", [(at(1, 12), S, "Done")], iteration="I1", points=3)
    art.item("B2", [(at(2, 10), PTS, 8)], iteration="I2", points=5)
    art.item("B3", [], pi="PI 1", points=2, team="B")  # no iteration: PI field
    art.item("B4", [(at(3, 5), IT, "I1")], iteration="X", points=1)  # pulled in on day 3
    art.item("B5", [(at(2), S, "Won't Do")], iteration="I1", points=4)
    art.item(
        "B6", [(at(0, 10), S, "Done"), (at(2, 10), S, "In Progress")], iteration="I1", points=2
    )
    art.item("B7", [], created=at(4, 1), iteration="I2", points=3)
    return art


def test_burnup_points() -> None:
    rep = burnup_report(_burnup_art().data(), "PI 1", at(5)).to_dict()
    assert [(r["date"], r["scope"], r["done"]) for r in rep["data"]] == [
        ("2026-03-02", 16, 2),
        ("2026-03-03", 16, 5),
        ("2026-03-04", 15, 3),  # B5 removed, B2 re-estimated 5 -> 8, B6 reopened
        ("2026-03-05", 16, 3),  # B4 moved into the PI
        ("2026-03-06", 19, 3),  # B7 created
    ]


def test_burnup_count_and_team() -> None:
    data = _burnup_art().data()
    rep = burnup_report(data, "PI 1", at(5), unit="count").to_dict()
    assert [(r["scope"], r["done"]) for r in rep["data"]] == [
        (5, 1),
        (5, 2),
        (4, 1),
        (5, 1),
        (6, 1),
    ]
    team = burnup_report(data, "PI 1", at(5), team="A").to_dict()
    assert [r["scope"] for r in team["data"]] == [14, 14, 13, 14, 17]  # without B3


def test_burnup_ends_with_the_pi() -> None:
    rep = burnup_report(_burnup_art().data(), "PI 1", at(40))
    assert rep.data[-1][0] == d(13) and len(rep.data) == 14


def _baseline_art() -> Art:
    art = Art(teams=["A", "B"]).pi("PI 1", 0, 13).pi("PI 2", 14, 27)
    art.iteration("I1", 0, 6).iteration("I2", 7, 13).iteration("J1", 14, 27, pi="PI 2")
    f: dict[str, Any] = {"level": "feature"}
    art.item("FA", [(at(5), S, "Done")], iteration="I1", **f)
    art.item("FB", [(at(3), IT, "I1")], iteration="I2", **f)
    art.item("FC", [(at(4), IT, "J1")], iteration="I2", team="B", **f)
    art.item("FD", [(at(2), S, "Won't Do")], iteration="I1", team="B", **f)
    art.item("FE", [], created=at(2), iteration="I2", **f)
    art.item("FF", [(at(3), "team", "B")], iteration="I1", **f)
    art.item("SA", [(at(2), PTS, 5)], iteration="I1", points=3)
    art.item("SB", [], created=at(2), iteration="I2", points=2)
    art.item("SC", [(at(4), IT, "J1")], iteration="I1", points=1)
    art.objective("A", True, 5, None).objective("B", False, 2, None)
    return art


def test_baseline_against_now() -> None:
    rep = baseline_report(_baseline_art().data(), "PI 1", at(6)).to_dict()
    feats = rep["features"]
    assert (feats["planned"], feats["done"], feats["feature_completion_pct"]) == (5, 1, 20.0)
    assert feats["added"] == ["FE"]
    assert feats["removed"] == ["FC", "FD"]
    assert [
        (m["key"], m["from"]["iteration"], m["to"]["iteration"], m["to"]["team"])
        for m in feats["moved"]
    ] == [("FB", "I2", "I1", "A"), ("FF", "I1", "I1", "B")]
    assert rep["scope"] == {
        "baseline": {"items": 2, "points": 4},
        "now": {"items": 2, "points": 7},
        "added": {"items": 1, "points": 2},
        "removed": {"items": 1, "points": 1},
        "change_points": 3,
    }
    assert rep["committed_objectives"]["baseline"] == [1]


def test_frozen_baseline_round_trips() -> None:
    data = _baseline_art().data()
    frozen = PlanSnapshot.from_dict(plan_at(data, "PI 1").to_dict())
    assert (
        baseline_report(data, "PI 1", at(6), frozen).to_dict()
        == baseline_report(data, "PI 1", at(6)).to_dict()
    )


def test_program_board() -> None:
    art = Art(teams=["A", "B"]).pi("PI 1", 0, 13).pi("PI 2", 14, 27)
    art.iteration("I1", 0, 6).iteration("I2", 7, 13).iteration("J1", 14, 27, pi="PI 2")
    f: dict[str, Any] = {"level": "feature"}
    art.item("FA", [(at(1), S, "In Progress")], iteration="I1", **f)
    art.item("FB", [], iteration="I2", team="B", **f)
    art.item("FC", [], pi="PI 1", **f)
    art.item("FD", [(at(1), S, "Won't Do")], iteration="I1", **f)
    art.item("FE", [], iteration="J1", **f)
    art.item("S1", [], iteration="I1")
    art.link("FA", "blocks", "FB")
    art.milestones += [Milestone("Demo", d(6)), Milestone("Later", d(20))]
    rep = program_board(art.data(), "PI 1", at(3)).to_dict()
    cells = {
        (t["team"], c["iteration"]): [k["key"] for k in c["features"]]
        for t in rep["teams"]
        for c in t["cells"]
    }
    assert cells == {
        ("A", "I1"): ["FA"],
        ("A", "I2"): [],
        ("A", "unplanned"): ["FC"],
        ("B", "I1"): [],
        ("B", "I2"): ["FB"],
        ("B", "unplanned"): [],
    }
    assert [m["name"] for m in rep["milestones"]] == ["Demo"]
    assert rep["dependencies"] == [
        {
            "provider": "FA",
            "consumer": "FB",
            "provider_cell": {"team": "A", "iteration": "I1"},
            "consumer_cell": {"team": "B", "iteration": "I2"},
            "status": "on_track",
            "cross_team": True,
            "reason": "FA (A) is planned to finish with I1 on 2026-03-08, in time for FB (B), "
            "which needs it at the start of I2 on 2026-03-09",
        }
    ]
