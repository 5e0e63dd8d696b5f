"""Flow reports through HTTP on the golden ART: flow, cycle time, CFD, throughput, WIP, aging,
forecast and data quality, with the golden figures exactly and the documented defaults."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

from art.vocabulary import Level
from metrics import data_quality_report, forecast_report
from tests.app.api.conftest import EXPECTED, SCENARIO, WINDOW, Api
from tests.golden_store import bump_data_version
from tests.metrics.golden_inputs import scenario_data

LEVELS = ["story", "feature"]


def test_flow_metrics_of_the_golden_window(api: Api) -> None:
    for level in LEVELS:
        exp = EXPECTED["flow"][level]
        body = api.get("/flow", level=level, **WINDOW).json()
        assert (body["from"], body["to"], body["level"]) == ("2026-01-05", "2026-02-09", level)
        assert body["velocity"]["items"] == exp["velocity"], level
        assert body["velocity"]["points"] == exp["velocity_points"], level
        assert body["time"] == exp["flow_time"], level
        assert body["efficiency_pct"] == exp["efficiency_pct"], level
        noted = body["efficiency_note"] is not None
        assert noted == (level == "feature"), level  # features never enter Blocked
        assert not noted or body["efficiency_note"].endswith("configuration: Blocked")
        assert body["distribution_pct"] == exp["distribution_pct"], level
        assert {r["date"]: r["wip"] for r in body["load"]["by_day"]} == exp["load_by_day"], level
        assert body["load"]["now"] == exp["load_now"], level
        assert body["predictability"] == {
            "pi": "PI 26.1",
            "state": "in_progress",
            "predictability_pct": 116.6667,
            "complete": False,
            "scored": 2,
            "objectives": 6,
            "earned_pct": None,
            "projected_pct": 116.6667,  # the outlook: scored ones keep their actual BV
        }


def test_story_flow_is_the_api_example(api: Api) -> None:
    body = api.get("/flow", level="story", **WINDOW).json()
    assert body["velocity"]["items"] == 9 and body["velocity"]["points"] == 42
    assert body["velocity"]["by_work_type"] == {"debt": 1, "defect": 1, "feature": 7}
    assert body["time"] == {
        "count": 8,
        "mean": 7.5833,
        "p50": 8.5,
        "p85": 13.8,
        "p95": 14.1625,
        "max": 14.25,
    }
    assert body["efficiency_pct"] == 91.7582


def test_flow_defaults_window_to_90_days_ending_with_as_of_and_level_by_scope(api: Api) -> None:
    art = api.get("/flow").json()
    assert (art["from"], art["to"], art["level"]) == ("2025-11-13", "2026-02-11", "feature")
    team = api.get("/flow", team="Blue").json()
    assert (team["team"], team["level"]) == ("Blue", "story")
    since: dict[str, Any] = {"from": "2026-01-05"}
    only_from = api.get("/flow", **since).json()
    assert (only_from["from"], only_from["to"]) == ("2026-01-05", "2026-02-11")
    only_to = api.get("/flow", to="2026-02-09").json()
    assert (only_to["from"], only_to["to"]) == ("2025-11-11", "2026-02-09")


def test_as_of_defaults_to_now_cached_per_minute(api: Api) -> None:
    before = datetime.now(UTC)
    first = api.get("/aging", as_of=None).json()
    second = api.get("/aging", as_of=None).json()
    after = datetime.now(UTC)
    as_of = datetime.fromisoformat(first["as_of"])
    assert before <= as_of <= after  # "now": a change committed a moment ago counts
    if before.replace(second=0, microsecond=0) == after.replace(second=0, microsecond=0):
        assert second["as_of"] == first["as_of"]  # within the minute: served from the cache


def test_cycle_time_rows_and_statistics(api: Api) -> None:
    body = api.get("/cycle-time", level="story", **WINDOW).json()
    assert body["stats"] == EXPECTED["flow"]["story"]["flow_time"]
    assert len(body["data"]) == EXPECTED["flow"]["story"]["velocity"]
    for row in body["data"]:
        exp = EXPECTED["items"][row["key"]]
        assert row["flow_time_days"] == exp.get("flow_time_days"), row["key"]
        assert row["active_days"] == exp.get("active_days"), row["key"]
        assert row["wait_days"] == exp.get("wait_days"), row["key"]
        assert row["flow_time_calendar_days"] == exp.get("flow_time_calendar_days_inclusive")
    blue4 = next(r for r in body["data"] if r["key"] == "BLUE-4")
    assert blue4 == {
        "key": "BLUE-4",
        "team": "Blue",
        "level": "story",
        "work_type": "feature",
        "started_at": "2026-01-20T09:00:00+00:00",
        "done_at": "2026-02-03T15:00:00+00:00",
        "flow_time_days": 14.25,
        "flow_time_calendar_days": 15,
        "active_days": 12.25,
        "wait_days": 2.0,
        "lead_time_days": 29.2083,
        "efficiency_pct": 85.9649,
        "url": "http://tracker.invalid/browse/BLUE-4",
        "display_key": "BLUE-4",
    }


def test_cfd_rows(api: Api) -> None:
    for level in LEVELS:
        body = api.get("/cfd", level=level, **WINDOW).json()
        exp = EXPECTED["flow"][level]["cfd"]
        assert body["categories"] == ["todo", "active", "wait", "done"]
        assert body["data"] == [
            {"date": day, **{c: bands.get(c, 0) for c in body["categories"]}}
            for day, bands in exp.items()
        ], level


def test_cfd_by_status_uses_the_configured_workflow_order(api: Api) -> None:
    body = api.get("/cfd", level="story", by="status", **WINDOW).json()
    assert body["categories"] == ["To Do", "In Progress", "In Review", "Blocked", "Done"]
    by_category = api.get("/cfd", level="story", **WINDOW).json()["data"]
    for row, cat in zip(body["data"], by_category, strict=True):
        assert row["To Do"] == cat["todo"] and row["Done"] == cat["done"]
        assert row["In Progress"] + row["In Review"] == cat["active"]


def test_throughput_weekly_and_by_iteration(api: Api) -> None:
    for level in LEVELS:
        body = api.get("/throughput", level=level, interval="week", **WINDOW).json()
        exp = EXPECTED["flow"][level]["throughput_weekly"]
        assert [(b["period"], b["items"]) for b in body["data"]] == list(exp.items()), level
    body = api.get("/throughput", level="story", interval="iteration", **WINDOW).json()
    assert [b["iteration"] for b in body["data"]] == ["I1", "I2", "I3"]
    assert sum(b["items"] for b in body["data"]) == 9


def test_aging_at_as_of(api: Api) -> None:
    for level in LEVELS:
        body = api.get("/aging", level=level).json()
        exp = EXPECTED["flow"][level]
        assert body["reference"]["p85"] == exp["aging_reference_p85"], level
        assert {
            r["key"]: {k: r[k] for k in ("age_days", "percentile_rank", "over_p85")}
            for r in body["data"]
        } == exp["aging"], level
        ages = [r["age_days"] for r in body["data"]]
        assert ages == sorted(ages, reverse=True)


def test_aging_in_calendar_days(api: Api) -> None:
    body = api.get("/aging", level="story", unit="calendar_days").json()
    assert body["unit"] == body["definition"]["unit"] == "calendar_days"
    # reference: the stories' flow_time_calendar_days (count_start_day), sorted
    # [1, 3, 4, 8, 11, 11, 15, 15, 20]: p85 at rank 6.8 = 15, p95 at 7.6 = 15 + 0.6 * 5
    assert body["reference"] == {
        "window_days": 90,
        "count": 9,
        "p50": 11.0,
        "p85": 15.0,
        "p95": 18.0,
    }
    # as_of 2026-02-10: GREEN-3 from 01-19 (22 + 1), BLUE-6 from 01-23, RED-4 from 02-03
    assert [
        (r["key"], r["age_days"], r["percentile_rank"], r["over_p85"]) for r in body["data"]
    ] == [
        ("GREEN-3", 23, 100.0, True),
        ("BLUE-6", 19, 88.8889, True),
        ("RED-4", 8, 33.3333, False),
    ]
    text = api.get("/aging", level="story", unit="calendar_days", format="csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["key"], r["age_days"]) for r in rows] == [
        ("GREEN-3", "23"),
        ("BLUE-6", "19"),
        ("RED-4", "8"),
    ]
    assert api.get("/aging", level="story", unit="weeks").status_code == 422


def test_wip_now_and_per_day(api: Api) -> None:
    body = api.get("/wip", level="story", **WINDOW).json()
    assert body["now"] == EXPECTED["flow"]["story"]["load_now"] == 3
    assert [(r["key"], r["age_days"]) for r in body["data"]] == [
        ("GREEN-3", 22.0833),
        ("BLUE-6", 18.125),
        ("RED-4", 7.125),
    ]
    assert {r["date"]: r["wip"] for r in body["by_day"]} == EXPECTED["flow"]["story"]["load_by_day"]


def test_forecast_is_the_metrics_answer_for_a_seed(api: Api) -> None:
    data = scenario_data(SCENARIO)
    assert SCENARIO.as_of is not None
    want = forecast_report(data, SCENARIO.as_of, items=5, level=Level.STORY, seed=7).to_dict()
    got = api.get("/forecast", items=5, level="story", seed=7).json()
    assert {k: got[k] for k in ("seed", "trials", "sample_days", "throughput_sample", "when")} == {
        k: want[k] for k in ("seed", "trials", "sample_days", "throughput_sample", "when")
    }
    assert got["seed"] == 7 and got["trials"] == 10_000 and len(got["throughput_sample"]) == 90
    assert sum(got["throughput_sample"]) == 10  # stories done in the 90 days before as_of
    how_many = api.get("/forecast", date="2026-03-15", level="story", seed=7).json()
    assert set(how_many["how_many"]) == {"p50", "p85", "p95"}
    assert how_many["how_many"]["p50"] >= how_many["how_many"]["p85"] >= how_many["how_many"]["p95"]


def test_forecast_without_seed_records_one_and_repeats_itself(api: Api) -> None:
    first = api.get("/forecast", items=5, level="story").json()
    again = api.get("/forecast", items=5, level="story").json()
    assert isinstance(first["seed"], int)
    assert (first["seed"], first["when"]) == (again["seed"], again["when"])
    replay = api.get("/forecast", items=5, level="story", seed=first["seed"]).json()
    assert replay["when"] == first["when"]


def test_forecast_without_a_question_asks_how_many_by_the_end_of_the_current_pi(
    api: Api,
) -> None:
    got = api.get("/forecast", level="story", seed=7).json()
    data = scenario_data(SCENARIO)
    assert SCENARIO.as_of is not None
    end = date(2026, 3, 15)  # PI 26.1 contains the golden as_of's day; it ends on 15 March
    want = forecast_report(data, SCENARIO.as_of, target_date=end, level=Level.STORY, seed=7)
    assert (got["pi"], got["date"], got["seed"]) == ("PI 26.1", "2026-03-15", 7)
    assert got["how_many"] == want.to_dict()["how_many"]
    assert "when" not in got


def test_forecast_without_a_question_outside_any_pi_is_a_404_naming_the_day(api: Api) -> None:
    resp = api.get("/forecast", as_of="2026-04-01T12:00:00+00:00")
    assert resp.status_code == 404
    assert resp.json()["detail"] == (
        "no PI of Phoenix contains 2026-04-01 (as_of's day) to forecast to its end: "
        "give items= or date="
    )


def test_forecast_without_as_of_is_the_same_for_one_data_version(api: Api) -> None:
    """The default as_of is the clock; the default seed is not: it follows the data version."""
    first = api.get("/forecast", items=5, as_of=None).json()
    again = api.get("/forecast", items=5, as_of=None).json()
    assert (again["seed"], again["when"]) == (first["seed"], first["when"])
    state = api.client.app.state.trainyard  # type: ignore[attr-defined]
    with state.sessions() as s, s.begin():
        bump_data_version(s)
    assert api.get("/forecast", items=5, as_of=None).json()["seed"] != first["seed"]


def test_data_quality_findings(api: Api) -> None:
    body = api.get("/data-quality").json()
    data = scenario_data(SCENARIO)
    assert SCENARIO.as_of is not None
    assert body["data"] == data_quality_report(data, SCENARIO.as_of).to_dict()["data"]
    assert body["summary"]["done_without_start"] == 1
    assert body["summary"]["unmapped_status"] == 0
    assert {f["subject"] for f in body["data"] if f["kind"] == "backward_move"} == {
        "BLUE-4",
        "BLUE-5",
    }
