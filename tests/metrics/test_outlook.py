"""PI outlook: work units, allocation, projected BV, figures and the feature queue.

The exact case gives team A a constant throughput sample (one story a day), so every trial
draws the same capacity and the figures can be worked out by hand. The random case is checked
against an independent simulation written here with another seed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from builder import Art, at

from metrics.inputs import ArtData, Objective
from metrics.outlook import (
    KEPT_OUTLOOKS,
    _children,
    natural_key,
    objective_order,
    outlook_report,
)

DONE = "Done"
AS_OF = at(60, 12)  # day 60; PI 1 runs days 0-69, so days 61-69 are sampled: 9 days


def _throughput(art: Art, per_day: list[int], team: str = "A", first_day: int = -30) -> None:
    """``per_day[k]`` stories of ``team`` done on day ``first_day + k`` (nothing else)."""
    for k, n in enumerate(per_day):
        for j in range(n):
            art.item(
                f"T{team}-{k}-{j}",
                [(at(first_day + k, 12), "status", DONE)],
                team=team,
                created=at(first_day - 10),
            )


def _open(art: Art, keys: list[str], team: str = "A", **kw: Any) -> None:
    for k in keys:
        art.item(k, team=team, created=at(-40), **kw)


def exact_art() -> Art:
    """Team A finishes one story every day of the 90 before day 60: its sample is 90 ones, so
    each trial's capacity is C = 9 (days 61 to 69). Team B finished nothing: C = 0.

    Team A's objectives, in allocation order (committed, higher planned BV, id):
      O1 committed, planned 10: S1 (done), S2, S3, S4 -> 4 units, 3 left
      O2 committed, planned 6: S4 (shared with O1: one unit), F1 = its stories C1, C2, C3
         (C3 done) -> 4 units, 3 left, of which S4 is queued already
      O4 committed, planned 5, actual 3: scored, keeps 3
      O5 committed, planned 2, no linked items: unprojectable
      O3 uncommitted, planned 4: S5..S9 -> 5 units
    Queue: S2 S3 S4 | C1 C2 | S5 S6 S7 S8 S9 -> 10 objective units; other work X1-X3: 3.
    Objective capacity = 9 x 10 / 13 = 90/13 = 6.9231 units.
      O1: positions 0-2 finished -> 4/4 -> 10;  O2: positions 2-4 finished -> 4/4 -> 6
      O3: positions 5-9: 90/13 - 5 = 25/13 done -> 4 x (25/13) / 5 = 20/13 = 1.5385
    Team A: (10 + 6 + 3 + 20/13) / (10 + 6 + 5) = (267/13) / 21 = 97.8022 %
    Team B: O6 committed, planned 4, story B1 left, capacity 0 -> 0 / 4 = 0 %
    ART: (267/13 + 0) / (21 + 4) = 82.1538 %: in band in every trial.

    Team A's features in the PI: F1 (linked to committed O2: first, 2 stories left), then
    the rest by natural key, F2 (no stories: 1) before F10 (7 stories): cumulative 2, 3, 10
    against C = 9 -> 100, 100, 0.
    """
    art = Art(teams=["A", "B"]).pi("PI 1", 0, 69).iteration("I1", 56, 69)
    _throughput(art, [1] * 88 + [0, 0])  # S1 and C3 are the stories of days 58 and 59
    art.item("S1", [(at(58), "status", DONE)], created=at(-40), iteration="I1")
    _open(art, ["S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9", "X1", "X2"], iteration="I1")
    _open(art, ["X3"], iteration="I1", points=5)
    _open(art, ["F1", "F2", "F10"], level="feature", iteration="I1")
    _open(art, ["C1", "C2"], parent="F1")
    art.item("C3", [(at(59), "status", DONE)], created=at(-40), parent="F1")
    _open(art, [f"D{k}" for k in range(1, 8)], parent="F10")
    _open(art, ["B1"], team="B", iteration="I1")
    art.objective("A", True, 10, None, items=["S1", "S2", "S3", "S4"])  # O1
    art.objective("A", True, 6, None, items=["S4", "F1"])  # O2
    art.objective("A", False, 4, None, items=["S5", "S6", "S7", "S8", "S9"])  # O3
    art.objective("A", True, 5, 3)  # O4
    art.objective("A", True, 2, None)  # O5
    art.objective("B", True, 4, None, items=["B1"])  # O6
    return art


@pytest.fixture(scope="module")
def exact() -> dict[str, Any]:
    return outlook_report(exact_art().data(), "PI 1", AS_OF, seed=5).to_dict()


def test_days_and_samples(exact: dict[str, Any]) -> None:
    assert (exact["first_day"], exact["last_day"], exact["days"]) == (
        "2026-05-02",
        "2026-05-10",
        9,
    )
    assert exact["throughput_samples"] == {"A": [1] * 90, "B": [0] * 90}
    assert (exact["seed"], exact["trials"]) == (5, 10_000)


def test_team_and_art_figures_by_hand(exact: dict[str, Any]) -> None:
    a, b = exact["teams"]
    assert a == {
        "team": "A",
        "projected_pct": 97.8022,
        "projected_pct_85": 97.8022,
        "chance_in_band_pct": 100.0,
        "projected_band": "within",
        "unprojectable": 1,
        "objective_work": 10,
        "other_work": 3,
        "capacity_p50": 9.0,
    }
    assert (b["projected_pct"], b["projected_pct_85"], b["chance_in_band_pct"]) == (0, 0, 0)
    assert (b["objective_work"], b["other_work"], b["capacity_p50"]) == (1, 0, 0.0)
    assert exact["art"] == {
        "projected_pct": 82.1538,
        "projected_pct_85": 82.1538,
        "chance_in_band_pct": 100.0,
        "projected_band": "within",
        "unprojectable": 1,
    }


def test_objectives_by_hand(exact: dict[str, Any]) -> None:
    got = [
        (o["id"], o["total_work"], o["remaining_work"], o["projected_bv"], o["chance_complete_pct"])
        for o in exact["objectives"]
    ]
    assert got == [
        (1, 4, 3, 10.0, 100.0),
        (2, 4, 3, 6.0, 100.0),
        (4, 0, 0, 3.0, None),
        (5, 0, 0, None, None),
        (3, 5, 5, 1.5385, 0.0),
        (6, 1, 1, 0.0, 0.0),
    ]


def test_feature_queue_by_hand(exact: dict[str, Any]) -> None:
    got = [
        (
            f["key"],
            f["queue"],
            f["position"],
            f["remaining_stories"],
            f["chance_done_by_pi_end_pct"],
        )
        for f in exact["features"]
    ]
    assert got == [
        ("F1", "committed", 1, 2, 100.0),
        ("F2", "other", 2, 1, 100.0),
        ("F10", "other", 3, 7, 0.0),
    ]


def test_the_seed_is_derived_from_the_data_when_none_is_given() -> None:
    data = exact_art().data()
    first = outlook_report(data, "PI 1", AS_OF).to_dict()
    assert outlook_report(data, "PI 1", AS_OF).to_dict() == first
    later_same_day = outlook_report(data, "PI 1", at(60, 18)).to_dict()
    assert later_same_day["seed"] == first["seed"]
    other = exact_art().objective("B", False, 1, None, items=["B1"]).data()
    assert outlook_report(other, "PI 1", AS_OF).seed != first["seed"]


def test_after_the_pi_no_day_is_left() -> None:
    rep = outlook_report(exact_art().data(), "PI 1", at(75), seed=1).to_dict()
    assert rep["days"] == 0
    # nothing more gets done: O1 1/4 x 10 + O2 1/4 x 6 + O3 0 + O4 3 = 7 of 21
    assert rep["teams"][0]["projected_pct"] == 33.3333


def test_natural_key_and_objective_order() -> None:
    assert sorted(["ABC-10", "ABC-9", "AB-100", "1014", "999"], key=natural_key) == [
        "999",
        "1014",
        "AB-100",
        "ABC-9",
        "ABC-10",
    ]

    def obj(oid: int | str, committed: bool, planned: float | None) -> Objective:
        return Objective(oid, "A", "PI 1", "", committed, planned, None)

    objs = [obj("x", True, 5), obj(3, False, 9), obj(2, True, 5), obj(1, True, 8)]
    assert [o.id for o in sorted(objs, key=objective_order)] == [1, 2, "x", 3]


# -- the random case, against an independent simulation ------------------------------------------
DAYS_LEFT = 30  # as_of day 39, PI 1 ends day 69
RANDOM_AS_OF = at(39, 12)


def random_art() -> Art:
    """Team A did (7k mod 8) stories on the k-th of the 90 days before day 39: 0-7, mean 3.5.
    O1 committed 10 BV over 40 stories, O2 committed 10 over 100, O3 uncommitted 5 over 20;
    20 other stories in the PI; feature F1 holds 110 stories, F2 none."""
    art = Art(teams=["A"]).pi("PI 1", 0, 69).iteration("I1", 28, 41)
    _throughput(art, [(7 * k) % 8 for k in range(90)], first_day=-51)
    groups = {"P": 40, "Q": 100, "R": 20, "X": 20}
    for g, n in groups.items():
        _open(art, [f"{g}{k}" for k in range(n)], iteration="I1")
    _open(art, ["F1", "F2"], level="feature", iteration="I1")
    _open(art, [f"E{k}" for k in range(110)], parent="F1")
    art.objective("A", True, 10, None, items=[f"P{k}" for k in range(40)])
    art.objective("A", True, 10, None, items=[f"Q{k}" for k in range(100)])
    art.objective("A", False, 5, None, items=[f"R{k}" for k in range(20)])
    return art


def independent(sample: list[int], trials: int, seed: int) -> dict[str, float]:
    """The same outlook, one trial at a time, unit by unit, with a plain loop."""
    rng = np.random.default_rng(seed)
    queue = [(1, 40), (2, 100), (3, 20)]  # (objective, units) in allocation order
    planned = {1: 10.0, 2: 10.0, 3: 5.0}
    share = 160 / 180
    pcts, f1, f2 = [], 0, 0
    for _ in range(trials):
        capacity = float(sum(int(rng.choice(sample)) for _ in range(DAYS_LEFT)))
        left = capacity * share
        earned = 0.0
        for oid, units in queue:
            done = 0.0
            for _ in range(units):
                step = min(1.0, max(left, 0.0))
                done += step
                left -= step
            earned += planned[oid] * done / units
        pcts.append(100.0 * earned / 20.0)
        f1 += capacity >= 110
        f2 += capacity >= 111
    return {
        "p50": float(np.percentile(pcts, 50)),
        "p15": float(np.percentile(pcts, 15)),
        "chance": 100.0 * float(np.mean(np.array(pcts) >= 80.0)),
        "f1": 100.0 * f1 / trials,
        "f2": 100.0 * f2 / trials,
    }


def test_random_case_matches_an_independent_simulation() -> None:
    rep = outlook_report(random_art().data(), "PI 1", RANDOM_AS_OF, seed=11).to_dict()
    sample = rep["throughput_samples"]["A"]
    assert sample == [(7 * k) % 8 for k in range(90)]
    assert rep["days"] == DAYS_LEFT
    ref = independent(sample, 10_000, seed=2024)
    team = rep["teams"][0]
    assert abs(team["projected_pct"] - ref["p50"]) <= 1.0
    assert abs(team["projected_pct_85"] - ref["p15"]) <= 1.0
    assert abs(team["chance_in_band_pct"] - ref["chance"]) <= 2.0
    f1, f2 = rep["features"]
    assert (f1["key"], f1["remaining_stories"], f2["key"], f2["remaining_stories"]) == (
        "F1",
        110,
        "F2",
        1,
    )
    assert abs(f1["chance_done_by_pi_end_pct"] - ref["f1"]) <= 2.0
    assert abs(f2["chance_done_by_pi_end_pct"] - ref["f2"]) <= 2.0


def _refreshed(before: ArtData, moved: dict[str, str | None]) -> ArtData:
    """``before`` as a loader's refresh makes it when only the ``moved`` items (key -> new
    parent) were re-read: every item at its position, primed with the changed positions."""
    items = list(before.items)
    changed = [i for i, it in enumerate(items) if it.key in moved]
    for i in changed:
        items[i] = dataclasses.replace(items[i], parent=moved[items[i].key])
    after = dataclasses.replace(before, items=items)
    after.prime(dict(before.changes_by_item), before, changed)
    return after


def test_a_refreshed_art_keeps_the_parent_index_unless_a_parent_changed() -> None:
    before = exact_art().data()
    first = outlook_report(before, "PI 1", AS_OF, seed=5).to_dict()
    kept = before.derived(_children)
    same = _refreshed(before, {"S2": None})  # re-read, same parent (none)
    assert same.derived(_children) is kept
    assert outlook_report(same, "PI 1", AS_OF, seed=5).to_dict() == first
    # C1 leaves F1 for F10: F1 has one story left (C2), F10 eight; the queue changes
    moved = _refreshed(before, {"C1": "F10"})
    assert moved.derived(_children) is not kept
    assert moved.derived(_children) == dataclasses.replace(moved).derived(_children)
    # (cumulative 1, 2, 10 stories against a capacity of 9)
    features = outlook_report(moved, "PI 1", AS_OF, seed=5).to_dict()["features"]
    assert [
        (f["key"], f["remaining_stories"], f["chance_done_by_pi_end_pct"]) for f in features
    ] == [
        ("F1", 1, 100.0),
        ("F2", 1, 100.0),
        ("F10", 8, 0.0),
    ]


def test_a_feature_whose_stories_are_all_gone_is_its_own_unit() -> None:
    """F3's one story is deleted and F4's is removed ("Won't Do"): each feature counts as one
    story left, as one with no story would; F5 keeps one of its two stories (the other gone)."""
    art = exact_art()
    _open(art, ["F3", "F4", "F5"], level="feature", iteration="I1")
    art.item("G1", created=at(-40), parent="F3", deleted=True)
    art.item("G2", [(at(50), "status", "Won't Do")], created=at(-40), parent="F4")
    _open(art, ["G3"], parent="F5")
    art.item("G4", created=at(-40), parent="F5", deleted=True)
    features = outlook_report(art.data(), "PI 1", AS_OF, seed=5).to_dict()["features"]
    assert [(f["key"], f["position"], f["remaining_stories"]) for f in features] == [
        ("F1", 1, 2),
        ("F2", 2, 1),
        ("F3", 3, 1),
        ("F4", 4, 1),
        ("F5", 5, 1),
        ("F10", 6, 7),
    ]


def test_an_outlook_is_computed_once_per_version_of_the_data_and_arguments() -> None:
    """A running PI's flow and predictability reports both ask for its outlook: the second
    ask of one data version with the same arguments gets the first's result; another
    as-of, seed or version computes anew, and only the last few are kept per version."""
    data = exact_art().data()
    first = outlook_report(data, "PI 1", AS_OF, seed=5)
    assert outlook_report(data, "PI 1", AS_OF, seed=5) is first
    assert outlook_report(data, "PI 1", AS_OF, seed=6) is not first
    assert outlook_report(data, "PI 1", AS_OF, seed=5, trials=100).trials == 100
    newer = _refreshed(data, {"S2": None})  # a new version, the same facts
    again = outlook_report(newer, "PI 1", AS_OF, seed=5)
    assert again is not first and again.to_dict() == first.to_dict()
    for hour in range(KEPT_OUTLOOKS):  # as many other as-of times push the first one out
        outlook_report(data, "PI 1", at(60, hour), seed=5)
    recomputed = outlook_report(data, "PI 1", AS_OF, seed=5)
    assert recomputed is not first and recomputed.to_dict() == first.to_dict()
