"""The golden ART (tests/fixtures/golden): every figure of ``expected``, asserted exactly.

Inputs are built straight from the Scenario (golden_inputs.py); numbers are compared after
the reports' own 4-decimal rounding, as the golden file holds them. The checks are functions
of ``(ArtData, expected)`` so that tests/e2e asserts the same figures on data pulled through
the tracker simulators into the store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from art.vocabulary import Level
from metrics.aging import aging_report
from metrics.burnup import burnup_report
from metrics.cfd import cfd_report
from metrics.cycle_time import cycle_time_report
from metrics.dependencies import dependencies_report
from metrics.flow import flow_report
from metrics.inputs import ArtData, Definition, Window
from metrics.outlook import outlook_report
from metrics.output import iso, r4
from metrics.predictability import predictability_history, predictability_report
from metrics.throughput import throughput_report
from metrics.timeline import flows_of
from metrics.velocity import velocity_report
from tests.metrics.golden_inputs import golden, scenario_data

SCENARIO, EXPECTED = golden()
assert SCENARIO.as_of is not None and SCENARIO.window is not None and SCENARIO.report_pi
AS_OF: datetime = SCENARIO.as_of
WINDOW = Window(*SCENARIO.window)
PI: str = SCENARIO.report_pi


Expected = dict[str, Any]
LEVELS = [Level.FEATURE, Level.STORY]
# Objectives and risks kept as tracker items (Jira, Azure DevOps) are not work items.
NOT_WORK = {Level.OBJECTIVE, Level.RISK}


# -- the checks: one per golden figure, on any ArtData holding the golden ART -------------------
def check_item(data: ArtData, expected: Expected, key: str) -> None:
    exp = expected["items"][key]
    (flow,) = flows_of(data, [data.by_key[key]], AS_OF)
    assert iso(flow.started_at) == exp["started_at"]
    assert iso(flow.done_at) == exp["done_at"]
    assert flow.category is not None and flow.category.value == exp["status_category"]
    if "flow_time_days" not in exp:
        assert flow.flow_days is None
        return
    assert r4(flow.flow_days) == exp["flow_time_days"]
    assert r4(flow.active_days) == exp["active_days"]
    assert r4(flow.wait_days) == exp["wait_days"]
    assert flow.calendar_days == exp["flow_time_calendar_days_inclusive"]
    exclusive = ArtData(
        definition=Definition(statuses=data.definition.statuses, count_start_day=False),
        items=data.items,
        changes=data.changes,
    )
    (flow_x,) = flows_of(exclusive, [exclusive.by_key[key]], AS_OF)
    assert flow_x.calendar_days == exp["flow_time_calendar_days_exclusive"]


def check_every_item_is_expected(data: ArtData, expected: Expected) -> None:
    got = sorted(it.key for it in data.items if it.level not in NOT_WORK)
    assert sorted(expected["items"]) == got


def check_flow(data: ArtData, expected: Expected, level: Level) -> None:
    exp = expected["flow"][level.value]
    rep = flow_report(data, WINDOW, AS_OF, level=level).to_dict()
    assert rep["velocity"]["items"] == exp["velocity"]
    assert rep["velocity"]["points"] == exp["velocity_points"]
    assert rep["time"] == exp["flow_time"]
    assert rep["efficiency_pct"] == exp["efficiency_pct"]
    assert rep["distribution_pct"] == exp["distribution_pct"]
    assert rep["definition"]["timezone"] == "UTC"
    assert rep["from"] == WINDOW.start.isoformat() and rep["to"] == WINDOW.end.isoformat()


def check_flow_load(data: ArtData, expected: Expected, level: Level) -> None:
    exp = expected["flow"][level.value]
    load: dict[str, Any] = flow_report(data, WINDOW, AS_OF, level=level).to_dict()["load"]
    assert {r["date"]: r["wip"] for r in load["by_day"]} == exp["load_by_day"]
    assert [r["date"] for r in load["by_day"]] == list(exp["load_by_day"])
    assert load["now"] == exp["load_now"]


def check_cfd(data: ArtData, expected: Expected, level: Level) -> None:
    exp = expected["flow"][level.value]["cfd"]
    rep = cfd_report(data, WINDOW, AS_OF, level=level).to_dict()
    assert rep["categories"] == ["todo", "active", "wait", "done"]
    got = {row["date"]: {c: row[c] for c in rep["categories"]} for row in rep["data"]}
    want = {day: {c: bands.get(c, 0) for c in rep["categories"]} for day, bands in exp.items()}
    assert got == want
    assert [row["date"] for row in rep["data"]] == list(exp)


def check_weekly_throughput(data: ArtData, expected: Expected, level: Level) -> None:
    exp = expected["flow"][level.value]["throughput_weekly"]
    rep = throughput_report(data, WINDOW, AS_OF, interval="week", level=level).to_dict()
    assert {b["period"]: b["items"] for b in rep["data"]} == exp
    assert [b["period"] for b in rep["data"]] == list(exp)


def check_aging(data: ArtData, expected: Expected, level: Level) -> None:
    exp = expected["flow"][level.value]
    rep = aging_report(data, AS_OF, level=level).to_dict()
    assert rep["reference"]["p85"] == exp["aging_reference_p85"]
    got = {
        r["key"]: {k: r[k] for k in ("age_days", "percentile_rank", "over_p85")}
        for r in rep["data"]
    }
    assert got == exp["aging"]


def check_story_cycle_time_rows(data: ArtData, expected: Expected) -> None:
    rep = cycle_time_report(data, WINDOW, AS_OF, level=Level.STORY).to_dict()
    assert rep["stats"] == expected["flow"]["story"]["flow_time"]
    for row in rep["data"]:
        exp = expected["items"][row["key"]]
        assert row["flow_time_days"] == exp.get("flow_time_days")
        assert row["active_days"] == exp.get("active_days")
        assert row["wait_days"] == exp.get("wait_days")
        assert row["flow_time_calendar_days"] == exp.get("flow_time_calendar_days_inclusive")
    assert len(rep["data"]) == expected["flow"]["story"]["velocity"]


def check_predictability(data: ArtData, expected: Expected, pi: str) -> None:
    exp = expected["predictability"][pi]
    rep = predictability_report(data, pi, AS_OF).to_dict()
    fields = list(exp["art"])
    assert {k: rep["art"][k] for k in fields} == exp["art"]
    got = {t["team"]: {k: t[k] for k in fields} for t in rep["teams"]}
    assert got == exp["teams"]


# Objectives of PI 26.1 linked to golden items, for the earned figure (the golden file links
# none): Blue 9 (planned 9) to BLUE-5 done 3 pts + BLUE-6 active 2 pts -> 9 x 3/5 = 5.4;
# Red 11 (planned 8) to RED-1 done 5 + RED-4 active 3 + RED-5 todo 2 -> 8 x 5/10 = 4.0;
# Green 13 (planned 8) to GREEN-1 + GREEN-2, both done -> 8; Green 14 (uncommitted, planned 2)
# to GREEN-F1, a feature without points, active -> by count 0/1 -> 0.
EARNED_LINKS = {
    "Blue objective 9 of PI 26.1": ("BLUE-5", "BLUE-6"),
    "Red objective 11 of PI 26.1": ("RED-1", "RED-4", "RED-5"),
    "Green objective 13 of PI 26.1": ("GREEN-1", "GREEN-2"),
    "Green objective 14 of PI 26.1": ("GREEN-F1",),
}
# state, ART complete, scored, objectives, predictability_pct, earned_pct; then per team
# (Blue, Red, Green) earned_pct
HEADLINES: dict[str, tuple[Any, ...]] = {
    # a day before PI 25.4 starts: every objective already scored, still not complete
    "not started": (
        "PI 25.4",
        "2025-10-19T12:00:00+00:00",
        "not_started",
        False,
        8,
        8,
        83.7209,
        None,
        [None] * 3,
    ),
    # PI 26.1 at the golden as_of: 2 of 6 scored; earned 17.4 of 25 planned -> 69.6
    "running": (
        "PI 26.1",
        AS_OF.isoformat(),
        "in_progress",
        False,
        2,
        6,
        116.6667,
        69.6,
        [60.0, 50.0, 100.0],
    ),
    # PI 25.4 at the golden as_of: all scored, no earned figure after the PI
    "finished": ("PI 25.4", AS_OF.isoformat(), "finished", True, 8, 8, 83.7209, None, [None] * 3),
}


def with_earned_links(data: ArtData) -> ArtData:
    """The golden ART with :data:`EARNED_LINKS` linked to their objectives."""
    objectives = [replace(o, items=EARNED_LINKS.get(o.text, o.items)) for o in data.objectives]
    return replace(data, objectives=objectives)


def check_headline(data: ArtData, case: str) -> None:
    pi, as_of, state, complete, scored, total, pct, earned, team_earned = HEADLINES[case]
    rep = predictability_report(data, pi, datetime.fromisoformat(as_of)).to_dict()
    art = rep["art"]
    assert (rep["state"], art["state"]) == (state, state)
    assert (art["complete"], art["scored"], art["objectives"]) == (complete, scored, total)
    assert (art["predictability_pct"], art["earned_pct"]) == (pct, earned)
    assert (art["projected_pct"] is None) == (state != "in_progress")  # the outlook's median
    assert [t["earned_pct"] for t in rep["teams"]] == team_earned
    assert all(t["state"] == state for t in rep["teams"])


# The PI outlook of PI 26.1 at the golden as_of. No objective is linked to items, so every
# trial is the same: a scored objective keeps its actual BV, an unscored one is unprojectable.
# Blue: 5 of 6 -> 83.3333 (objective 9 unprojectable); Red: nothing projectable (11, 12);
# Green: 14 uncommitted keeps 2, 13 unprojectable, nothing planned -> null; ART 7 / 6.
OUTLOOK_TEAMS = {"Blue": (83.3333, 83.3333, 100.0, 1), "Red": (None, None, None, 2)}
OUTLOOK_TEAMS["Green"] = (None, None, None, 1)
OUTLOOK_ART = (116.6667, 116.6667, 100.0, 4)
_FIGURES = ("projected_pct", "projected_pct_85", "chance_in_band_pct", "unprojectable")


def check_outlook(data: ArtData) -> None:
    rep = predictability_report(data, PI, AS_OF).to_dict()
    ahead = outlook_report(data, PI, AS_OF).to_dict()
    for body in (rep, ahead):
        assert tuple(body["art"][k] for k in _FIGURES) == OUTLOOK_ART
        got = {t["team"]: tuple(t[k] for k in _FIGURES) for t in body["teams"]}
        assert got == OUTLOOK_TEAMS
    # each team's features in the PI not done, in key order, none with stories: one each
    assert [(f["key"], f["position"], f["remaining_stories"]) for f in ahead["features"]] == [
        ("BLUE-F2", 1, 1),
        ("BLUE-F3", 2, 1),
        ("RED-F1", 1, 1),
        ("RED-F2", 2, 1),
        ("RED-F3", 3, 1),
        ("GREEN-F1", 1, 1),
        ("GREEN-F3", 2, 1),
    ]
    assert ahead["days"] == 33  # 2026-02-11 to 2026-03-15


def check_outlook_with_linked_objectives(data: ArtData) -> None:
    """With :data:`EARNED_LINKS`. Green: 13's stories are done (8 of 8) and 14 keeps 2, so
    every trial gives 10 / 8 = 125%. Red: 11 has RED-4 and RED-5 left (1 of 3 done), its
    sample holds 2 stories in 90 days: C = 0 with chance (88/90)^33 = 47.6%, C = 1 with 35.7%,
    so the median trial finishes one more story: 8 x 2/3 / 8 = 66.6667%, the 15th percentile
    none: 33.3333%, in band only with C >= 2 (16.6%). Blue: 9 has BLUE-6 left; 5 stories in
    90 days, so the chance that a trial finishes it is 1 - (85/90)^33 = 84.8%."""
    ahead = outlook_report(with_earned_links(data), PI, AS_OF).to_dict()
    blue, red, green = ahead["teams"]
    assert tuple(green[k] for k in _FIGURES) == (125.0, 125.0, 100.0, 0)
    assert tuple(red[k] for k in _FIGURES[:2]) == (66.6667, 33.3333)
    assert abs(red["chance_in_band_pct"] - 16.63) < 1.5
    assert abs(blue["chance_in_band_pct"] - 100 * (1 - (85 / 90) ** 33)) < 1.5
    chance = {o["id"]: o["chance_complete_pct"] for o in ahead["objectives"]}
    assert (chance[13], chance[12], chance[10]) == (100.0, None, None)
    assert chance[9] == blue["chance_in_band_pct"]  # Blue is in band exactly when 9 is done


def check_predictability_history(data: ArtData, expected: Expected) -> None:
    rep = predictability_history(data, AS_OF).to_dict()
    assert [p["pi"] for p in rep["data"]] == ["PI 25.4", "PI 26.1"]
    assert rep["data"][0]["art"]["predictability_pct"] == 83.7209


def check_dependencies(data: ArtData, expected: Expected, *, ordered: bool = True) -> None:
    """``ordered=False``: compare regardless of row order, which follows the order the links
    are stored in (the scenario's here, the tracker's after a pull)."""
    rep = dependencies_report(data, PI, AS_OF).to_dict()
    got = [
        {
            "provider": d["provider"]["key"],
            "consumer": d["consumer"]["key"],
            "cross_team": d["cross_team"],
            "status": d["status"],
            "planned_by": d["planned_by"],
            "needed_by": d["needed_by"],
            "upstream": d["upstream"],
        }
        for d in rep["data"]
    ]
    want = [{**e, "upstream": e.get("upstream", False)} for e in expected["dependencies"]]
    if not ordered:
        got, want = sorted(got, key=_ends), sorted(want, key=_ends)
    assert got == want
    assert rep["cycles"] == []


def _ends(dependency: dict[str, Any]) -> tuple[str, str]:
    return dependency["provider"], dependency["consumer"]


def check_dependency_reason_of_the_api_example(data: ArtData, expected: Expected) -> None:
    rep = dependencies_report(data, PI, AS_OF, status="late").to_dict()
    assert [d["reason"] for d in rep["data"]] == [
        "GREEN-F1 (Green) was planned to finish with I2 on 2026-02-01 and is not done"
    ]


def check_velocity(data: ArtData, expected: Expected) -> None:
    rows = velocity_report(data, AS_OF).to_dict()["data"]
    fields = [
        "committed_points",
        "completed_points",
        "added_points",
        "carried_over_points",
        "say_do_pct",
    ]
    got: dict[str, dict[str, Any]] = {}
    for r in rows:
        got.setdefault(r["team"], {})[r["iteration"]] = {k: r[k] for k in fields}
    assert got == expected["velocity"]


def check_burnup(data: ArtData, expected: Expected) -> None:
    rep = burnup_report(data, PI, AS_OF).to_dict()
    assert rep["unit"] == "points"
    got = {r["date"]: {"scope": r["scope"], "done": r["done"]} for r in rep["data"]}
    assert got == expected["burnup"][PI]
    assert [r["date"] for r in rep["data"]] == list(expected["burnup"][PI])


def check_every_report_serializes(data: ArtData, expected: Expected) -> None:
    import json

    from metrics import (
        baseline_report,
        data_quality_report,
        forecast_report,
        program_board,
        wip_report,
    )

    reports: list[Any] = [
        flow_report(data, WINDOW, AS_OF),
        cycle_time_report(data, WINDOW, AS_OF),
        wip_report(data, WINDOW, AS_OF),
        cfd_report(data, WINDOW, AS_OF),
        throughput_report(data, WINDOW, AS_OF, "iteration"),
        aging_report(data, AS_OF),
        forecast_report(data, AS_OF, items=5, target_date=WINDOW.end, seed=7),
        predictability_report(data, PI, AS_OF),
        predictability_history(data, AS_OF),
        dependencies_report(data, PI, AS_OF),
        program_board(data, PI, AS_OF),
        baseline_report(data, PI, AS_OF),
        velocity_report(data, AS_OF),
        burnup_report(data, PI, AS_OF),
        data_quality_report(data, AS_OF),
    ]
    for rep in reports:
        out = json.loads(json.dumps(rep.to_dict()))
        assert out["as_of"] == expected["as_of"], type(rep).__name__
        assert out["definition"]["timezone"] == "UTC", type(rep).__name__


# -- the golden ART built straight from the Scenario ---------------------------------------------
@pytest.fixture(scope="module")
def data() -> ArtData:
    return scenario_data(SCENARIO)


def test_as_of_matches() -> None:
    assert iso(AS_OF) == EXPECTED["as_of"]


@pytest.mark.parametrize("key", sorted(EXPECTED["items"]))
def test_item(data: ArtData, key: str) -> None:
    check_item(data, EXPECTED, key)


def test_every_item_is_expected(data: ArtData) -> None:
    check_every_item_is_expected(data, EXPECTED)


@pytest.mark.parametrize("level", LEVELS)
def test_flow_velocity_time_efficiency_distribution(data: ArtData, level: Level) -> None:
    check_flow(data, EXPECTED, level)


def test_flow_efficiency_note_where_no_wait_status_is_mapped(data: ArtData) -> None:
    """Features never enter Blocked, the golden ART's one wait status: their 100% says so."""
    feature = flow_report(data, WINDOW, AS_OF, Level.FEATURE).to_dict()
    assert feature["efficiency_pct"] == 100.0
    assert feature["efficiency_note"] == (
        "no wait status is mapped at feature level: no item has been in one, so only flagged "
        "time and time back in a todo status count as wait (100% when there is none); "
        "statuses mapped to wait in the configuration: Blocked"
    )
    story = flow_report(data, WINDOW, AS_OF, Level.STORY).to_dict()
    assert (story["efficiency_pct"], story["efficiency_note"]) == (91.7582, None)


@pytest.mark.parametrize("level", LEVELS)
def test_flow_load(data: ArtData, level: Level) -> None:
    check_flow_load(data, EXPECTED, level)


@pytest.mark.parametrize("level", LEVELS)
def test_cfd(data: ArtData, level: Level) -> None:
    check_cfd(data, EXPECTED, level)


@pytest.mark.parametrize("level", LEVELS)
def test_weekly_throughput(data: ArtData, level: Level) -> None:
    check_weekly_throughput(data, EXPECTED, level)


@pytest.mark.parametrize("level", LEVELS)
def test_aging(data: ArtData, level: Level) -> None:
    check_aging(data, EXPECTED, level)


def test_story_cycle_time_rows_match_items(data: ArtData) -> None:
    check_story_cycle_time_rows(data, EXPECTED)


@pytest.mark.parametrize("pi", sorted(EXPECTED["predictability"]))
def test_predictability(data: ArtData, pi: str) -> None:
    check_predictability(data, EXPECTED, pi)


@pytest.mark.parametrize("case", list(HEADLINES))
def test_predictability_headline(data: ArtData, case: str) -> None:
    check_headline(with_earned_links(data), case)


def test_outlook(data: ArtData) -> None:
    check_outlook(data)


def test_outlook_with_linked_objectives(data: ArtData) -> None:
    check_outlook_with_linked_objectives(data)


def test_predictability_history_states(data: ArtData) -> None:
    rep = predictability_history(data, AS_OF).to_dict()
    assert [(p["pi"], p["state"]) for p in rep["data"]] == [
        ("PI 25.4", "finished"),
        ("PI 26.1", "in_progress"),
    ]


def test_predictability_history_lists_every_pi(data: ArtData) -> None:
    check_predictability_history(data, EXPECTED)


def test_dependencies(data: ArtData) -> None:
    check_dependencies(data, EXPECTED)


def test_dependency_reason_of_the_api_example(data: ArtData) -> None:
    check_dependency_reason_of_the_api_example(data, EXPECTED)


def test_velocity(data: ArtData) -> None:
    check_velocity(data, EXPECTED)


def test_burnup(data: ArtData) -> None:
    check_burnup(data, EXPECTED)


def test_every_report_serializes_to_json_with_definition_and_as_of(data: ArtData) -> None:
    check_every_report_serializes(data, EXPECTED)
