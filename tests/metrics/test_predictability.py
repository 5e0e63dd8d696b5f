"""PI predictability: committed planned vs all actual, partial scoring, bands, projection."""

from __future__ import annotations

from typing import Any

import pytest
from builder import Art, at

from metrics.outlook import outlook_report
from metrics.predictability import band, predictability_report, score

Obj = tuple[str, bool, float | None, float | None]  # team, committed, planned, actual


def _report(objs: list[Obj], as_of_day: int = 80) -> dict[str, Any]:
    art = Art().pi("PI 1", 0, 69)
    for team, committed, planned, actual in objs:
        art.objective(team, committed, planned, actual)
    return predictability_report(art.data(), "PI 1", at(as_of_day)).to_dict()


# objectives of team A -> planned_bv, actual_bv, pct, band, complete, scored, objectives
CASES: dict[str, tuple[list[Obj], tuple[Any, ...]]] = {
    "all scored": (
        [("A", True, 10, 8), ("A", True, 5, 5), ("A", False, 3, 3)],
        (15, 16, 106.6667, "above", True, 3, 3),
    ),
    "uncommitted delivered lifts above 100": (
        [("A", True, 5, 5), ("A", False, 5, 5)],
        (5, 10, 200.0, "above", True, 2, 2),
    ),
    "partly scored: over the scored ones": (
        [("A", True, 10, None), ("A", True, 5, 4), ("A", False, 2, None)],
        (5, 4, 80.0, "within", False, 1, 3),
    ),
    "no committed objective scored: null, not 0": (
        [("A", True, 10, None), ("A", False, 3, 3)],
        (0, 3, None, None, False, 1, 2),
    ),
    "nothing scored": ([("A", True, 10, None)], (0, 0, None, None, False, 0, 1)),
    "zero delivered is 0, not null": ([("A", True, 4, 0)], (4, 0, 0.0, "below", True, 1, 1)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_team_score(name: str) -> None:
    objs, expected = CASES[name]
    (team,) = _report(objs)["teams"]
    got = tuple(
        team[k]
        for k in (
            "planned_bv",
            "actual_bv",
            "predictability_pct",
            "band",
            "complete",
            "scored",
            "objectives",
        )
    )
    assert got == expected


@pytest.mark.parametrize(
    ("pct", "expected"),
    [(79.99, "below"), (80.0, "within"), (100.0, "within"), (100.01, "above"), (None, None)],
)
def test_band_edges(pct: float | None, expected: str | None) -> None:
    assert band(pct) == expected


def test_art_is_the_ratio_of_sums_not_the_mean() -> None:
    rep = _report([("A", True, 10, 5), ("B", True, 2, 2)])
    assert [t["predictability_pct"] for t in rep["teams"]] == [50.0, 100.0]
    assert rep["art"]["predictability_pct"] == 58.3333  # 7 / 12, not (50 + 100) / 2
    assert rep["art"]["band"] == "below"


def test_objectives_listed_with_their_figures() -> None:
    rep = _report([("A", True, 10, 5), ("A", False, 2, None)])
    assert [(o["committed"], o["planned_bv"], o["actual_bv"]) for o in rep["objectives"]] == [
        (True, 10, 5),
        (False, 2, None),
    ]


def test_no_objectives_is_not_complete() -> None:
    s = score([])
    assert (s.predictability_pct, s.complete, s.scored, s.objectives) == (None, False, 0, 0)


def _projection_art() -> Art:
    s, done = "status", "Done"
    art = Art().pi("PI 1", 0, 69)
    art.item("P1", [(at(1), s, done)], points=3).item("P2", [], points=1)
    art.item("P3", [(at(1), s, "Won't Do")], points=50)  # removed: left out
    art.item("C1", [(at(1), s, done)]).item("C2", [], points=5)  # one unpointed: by count
    art.item("U1", [(at(1), s, done)], points=2)
    art.objective("A", True, 10, None, items=["P1", "P2", "P3", "GONE-1"])  # 3/4 points -> 7.5
    art.objective("A", True, 4, None, items=["C1", "C2"])  # 1 of 2 items -> 2.0
    art.objective("A", False, 2, None, items=["U1"])  # uncommitted, all done -> 2.0
    art.objective("A", True, 6, None)  # no linked items: not projected
    return art


def test_earned_pct_from_linked_items_while_the_pi_runs() -> None:
    rep = predictability_report(_projection_art().data(), "PI 1", at(10)).to_dict()
    assert [o["earned_bv"] for o in rep["objectives"]] == [7.5, 2.0, 2.0, None]
    assert rep["teams"][0]["earned_pct"] == 82.1429  # 11.5 / 14
    assert rep["art"]["earned_pct"] == 82.1429
    assert rep["art"]["predictability_pct"] is None
    assert (rep["state"], rep["art"]["state"]) == ("in_progress", "in_progress")


def test_projected_figures_are_the_outlooks_while_the_pi_runs() -> None:
    data = _projection_art().data()
    rep = predictability_report(data, "PI 1", at(10)).to_dict()
    ahead = outlook_report(data, "PI 1", at(10)).to_dict()
    keys = ("projected_pct", "projected_pct_85", "chance_in_band_pct", "unprojectable")
    assert {k: rep["art"][k] for k in keys} == {k: ahead["art"][k] for k in keys}
    assert {k: rep["teams"][0][k] for k in keys} == {k: ahead["teams"][0][k] for k in keys}
    assert rep["art"]["unprojectable"] == 1  # the objective without linked items
    got = {o["id"]: (o["projected_bv"], o["chance_complete_pct"]) for o in rep["objectives"]}
    assert got == {
        o["id"]: (o["projected_bv"], o["chance_complete_pct"]) for o in ahead["objectives"]
    }
    assert got[4] == (None, None)  # no linked items
    assert rep["definition"]["outlook_seed"] == ahead["seed"]


def test_no_projection_after_the_pi() -> None:
    rep = predictability_report(_projection_art().data(), "PI 1", at(75)).to_dict()
    assert rep["art"]["projected_pct"] is None and rep["art"]["earned_pct"] is None
    assert rep["art"]["chance_in_band_pct"] is None and rep["art"]["unprojectable"] is None
    assert rep["state"] == "finished"
