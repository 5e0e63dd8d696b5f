"""The bottleneck report on the golden ART (tests/fixtures/golden), figures worked out by hand
from the items' histories (docs/metrics.md "Bottlenecks"). Times are UTC, as the ART's."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from art.vocabulary import Level
from metrics.bottlenecks import bottleneck_report
from metrics.inputs import ArtData, Window
from tests.metrics.golden_inputs import golden, scenario_data

SCENARIO, _ = golden()
DATA = scenario_data(SCENARIO)
AS_OF = datetime(2026, 2, 10, 12, tzinfo=UTC)
GOLDEN_WINDOW = Window(date(2026, 1, 5), date(2026, 2, 9))  # ends 2026-02-09 00:00
TWO_WEEKS = Window(date(2026, 1, 26), date(2026, 2, 9))


def report(window: Window, team: str | None, as_of: datetime = AS_OF) -> dict[str, Any]:
    return bottleneck_report(DATA, window, as_of, Level.STORY, team, seed=7).to_dict()


def test_time_in_status_of_blue_stories() -> None:
    # Each story's flow span (start -> done, or as_of) cut by status, clipped to the window
    # [01-05 00:00, 02-09 00:00):
    #   BLUE-1 In Progress 01-06 10:00 -> 01-08 16:00 = 2.25; In Review -> 01-09 12:00 = 0.8333
    #   BLUE-2 In Progress 01-07 09 -> 01-09 09 = 2, Blocked -> 01-12 09 = 3,
    #          In Progress -> 01-14 09 = 2                       (In Progress 4)
    #   BLUE-3 To Do -> Done directly: never started, no flow time
    #   BLUE-4 In Progress 01-20 09 -> 01-27 09 = 7, Done -> 01-29 09 = 2 (reopened; done
    #          rule "last", so the span runs to 02-03 15), In Progress -> 02-03 15 = 5.25
    #          (In Progress 12.25)
    #   BLUE-5 In Progress 01-21 09 -> 01-26 09 = 5, To Do -> 02-04 09 = 9 (sent back, still in
    #          flow), In Progress -> window end 02-09 00 = 4.625    (In Progress 9.625)
    #   BLUE-6 In Progress 01-23 09 -> window end 02-09 00 = 16.625
    # In Progress: 2.25 + 4 + 12.25 + 9.625 + 16.625 = 44.75 over 5 items;
    #   sorted 2.25, 4, 9.625, 12.25, 16.625: p50 = 9.625,
    #   p85 at rank 0.85 * 4 = 3.4: 12.25 + 0.4 * (16.625 - 12.25) = 14
    # Flow time in the window: 44.75 + 9 + 3 + 2 + 0.8333 = 59.5833 item-days
    body = report(GOLDEN_WINDOW, "Blue")
    rows = [
        (r["status"], r["status_category"], r["items"], r["item_days"], r["p50_days"],
         r["p85_days"], r["share_pct"])
        for r in body["time_in_status"]
    ]  # fmt: skip
    assert rows == [
        ("In Progress", "active", 5, 44.75, 9.625, 14.0, 75.1049),  # 44.75 / 59.5833
        ("To Do", "todo", 1, 9.0, 9.0, 9.0, 15.1049),  # 9 / 59.5833
        ("Blocked", "wait", 1, 3.0, 3.0, 3.0, 5.035),  # 3 / 59.5833
        ("Done", "done", 1, 2.0, 2.0, 2.0, 3.3566),  # 2 / 59.5833
        ("In Review", "active", 1, 0.8333, 0.8333, 0.8333, 1.3986),  # (20 / 24) / 59.5833
    ]
    assert {r["team"] for r in body["time_in_status"]} == {"Blue"}
    # BLUE-5 was flagged 02-05 09:00 -> 02-06 09:00, inside its flow span: 1 / 59.5833
    assert body["blocked"] == {
        "items": [],  # nothing is flagged at as_of
        "by_team": [
            {
                "team": "Blue",
                "flow_item_days": 59.5833,
                "flagged_item_days": 1.0,
                "flagged_share_pct": 1.6783,
            }
        ],
    }


def test_wip_rising_while_throughput_does_not() -> None:
    # 14 complete days 01-26 .. 02-08: halves 01-26 .. 02-01 and 02-02 .. 02-08 (7 days each).
    # Load at the end of each day (started, neither done nor removed):
    #   Blue:  BLUE-4 in progress 01-26, 01-29 .. 02-02 (done 01-27 to 01-29, then 02-03 15:00);
    #          BLUE-5 (back in To Do still counts) and BLUE-6 every day.
    #          first (1 + 0 + 0 + 1 + 1 + 1 + 1) + 7 + 7 = 19 -> 2.7143;
    #          second 1 + 7 + 7 = 15 -> 2.1429. Done: 0, then BLUE-4 (02-03) = 1.
    #   Red:   RED-3 01-26 .. 01-29 (done 01-30 10:00) = 4 -> 0.5714;
    #          RED-4 from 02-03 09:00: 02-03 .. 02-08 = 6 -> 0.8571. Done: RED-3 = 1, then 0.
    #   Green: GREEN-3 every day = 7 -> 1.0; then 7 + GREEN-4 (02-02, 02-03) = 9 -> 1.2857.
    #          Done: 0, then GREEN-4 (02-04) = 1.
    # Rising: Red only (load up, throughput down); Green's load rose but so did its throughput.
    trend = {
        t["team"]: (
            t["first_half"]["mean_load"],
            t["first_half"]["throughput"],
            t["second_half"]["mean_load"],
            t["second_half"]["throughput"],
            t["load_change"],
            t["rising"],
        )
        for t in report(TWO_WEEKS, None)["wip_trend"]
    }
    assert trend == {
        "Blue": (2.7143, 0, 2.1429, 1, -0.5714, False),
        "Red": (0.5714, 1, 0.8571, 0, 0.2857, True),
        "Green": (1.0, 0, 1.2857, 1, 0.2857, False),
    }
    halves = report(TWO_WEEKS, "Red")["wip_trend"][0]
    assert (halves["first_half"]["from"], halves["first_half"]["to"]) == (
        "2026-01-26",
        "2026-02-02",
    )
    assert (halves["second_half"]["from"], halves["second_half"]["to"]) == (
        "2026-02-02",
        "2026-02-09",
    )


def test_an_odd_window_leaves_its_middle_day_out() -> None:
    # 3 complete days 02-06 .. 02-08: halves of 1 day, 02-06 and 02-08; 02-07 is left out
    (blue,) = report(Window(date(2026, 2, 6), date(2026, 2, 9)), "Blue")["wip_trend"]
    assert (blue["first_half"]["from"], blue["first_half"]["to"]) == ("2026-02-06", "2026-02-07")
    assert (blue["second_half"]["from"], blue["second_half"]["to"]) == ("2026-02-08", "2026-02-09")
    # a window of one complete day has no halves
    (short,) = report(Window(date(2026, 2, 8), date(2026, 2, 9)), "Blue")["wip_trend"]
    assert (short["first_half"], short["second_half"], short["rising"]) == (None, None, False)


def test_blocked_now_and_stalled() -> None:
    # At 02-05 21:00 BLUE-5 is In Progress (since 02-04 09:00) and flagged since 02-05 09:00:
    # 12 hours = 0.5 days. Stalled (no status change for 7 days or more): BLUE-6, In Progress
    # since 01-23 09:00 = 13.5 days; BLUE-5's last change is 1.5 days old.
    at = datetime(2026, 2, 5, 21, tzinfo=UTC)
    body = report(Window(date(2026, 1, 26), date(2026, 2, 6)), "Blue", at)
    assert body["blocked"]["items"] == [
        {
            "key": "BLUE-5",
            "title": "BLUE-5 story",
            "team": "Blue",
            "status": "In Progress",
            "flagged_since": "2026-02-05T09:00:00+00:00",
            "flagged_days": 0.5,
        }
    ]
    assert [(s["key"], s["in_status_since"], s["days_in_status"]) for s in body["stalled"]] == [
        ("BLUE-6", "2026-01-23T09:00:00+00:00", 13.5)
    ]
    # At the golden as_of: BLUE-6 (since 01-23 09:00, 18.125 days) and RED-4 (In Progress since
    # 02-03 09:00, 7.125 days); GREEN-3 went back to In Progress on 02-06 (4.0833 days).
    stalled = report(TWO_WEEKS, None)["stalled"]
    assert [(s["key"], s["days_in_status"]) for s in stalled] == [
        ("BLUE-6", 18.125),
        ("RED-4", 7.125),
    ]


def _geometric_p85(done: int) -> int:
    """Days until the first story is done with 85% confidence when each day, drawn from a
    90-day sample of 0s and 1s, completes one with probability done / 90."""
    return math.ceil(math.log(0.15) / math.log(1 - done / 90))


def test_dependency_risk_ahead() -> None:
    # Open dependencies (8 of the 11 links; BLUE-F1's two are resolved, RED-F4 was removed).
    # Every provider is a feature without child stories: 1 item to finish. Stories done in the
    # 90 days before 02-10, each on its own day: Blue 5, Red 2, Green 3. So a trial's days to
    # finish are geometric; the exact p85 is Blue 34 days, Red 85, Green 56 (_geometric_p85),
    # i.e. 03-15, 05-05, 04-06 counting 02-10 as day 1. The simulation (10,000 trials) lands
    # within 2 days of those. Every need-by date is on or before 03-02: all 8 are at risk,
    # the RED-F1 -> BLUE-F2 dependency though its plan says on_track.
    assert (_geometric_p85(5), _geometric_p85(2), _geometric_p85(3)) == (34, 85, 56)
    body = report(GOLDEN_WINDOW, None)
    risk = body["dependency_risk"]
    rows = [
        (
            r["provider"]["key"],
            r["consumer"]["key"],
            r["plan_status"],
            r["needed_by"][:10],
            r["remaining_items"],
            r["sample_done"],
            r["finish_p85"],
            r["days_after_need"],
        )
        for r in risk["data"]
    ]
    assert risk["assessed"] == 8
    assert rows == [
        ("RED-F1", "BLUE-F2", "on_track", "2026-02-16", 1, 2, "2026-05-03", 77),
        ("GREEN-F1", "RED-F2", "late", "2026-02-02", 1, 3, "2026-04-07", 65),
        ("GREEN-F3", "BLUE-F3", "conflict", "2026-02-02", 1, 3, "2026-04-07", 65),
        ("RED-F2", "GREEN-F3", "at_risk", "2026-03-02", 1, 2, "2026-05-03", 63),
        ("GREEN-F2", "BLUE-F2", "at_risk", "2026-02-16", 1, 3, "2026-04-07", 51),
        ("GREEN-F4", "RED-F3", "at_risk", "2026-02-16", 1, 3, "2026-04-07", 51),
        ("BLUE-F2", "RED-F3", "at_risk", "2026-02-16", 1, 5, "2026-03-15", 28),
        ("BLUE-F3", "RED-F3", "at_risk", "2026-02-16", 1, 5, "2026-03-15", 28),
    ]
    # days_after_need: the end of the p85 day against needed_by, e.g. RED-F1: the end of 05-03
    # (05-04 00:00) is 77 days after 02-16 00:00 (13 in February + 31 + 30 + 3)
    exact = {"Blue": date(2026, 3, 15), "Red": date(2026, 5, 5), "Green": date(2026, 4, 6)}
    for r in risk["data"]:
        p85 = date.fromisoformat(r["finish_p85"])
        assert abs((p85 - exact[r["provider"]["team"]]).days) <= 2, r["provider"]["key"]
    # a team filter keeps the dependencies with an end in the team, with the same answers
    red = report(GOLDEN_WINDOW, "Red")["dependency_risk"]
    assert red["assessed"] == 6  # all but GREEN-F3 -> BLUE-F3 and GREEN-F2 -> BLUE-F2
    assert red["data"] == [
        r for r in risk["data"] if "Red" in (r["provider"]["team"], r["consumer"]["team"])
    ]


def test_the_same_seed_gives_the_same_report() -> None:
    assert report(GOLDEN_WINDOW, None) == report(GOLDEN_WINDOW, None)


def test_a_provider_feature_waits_for_its_open_stories() -> None:
    # RED-3 (done 01-30), RED-4 (in progress) and RED-5 (to do) made stories of RED-F1: two
    # are open, so its finish is the day Red's second story is done, later than its first.
    stories = {"RED-3", "RED-4", "RED-5"}
    items = [replace(it, parent="RED-F1") if it.key in stories else it for it in DATA.items]
    data = ArtData(
        DATA.definition,
        items,
        DATA.changes,
        DATA.iterations,
        DATA.pis,
        DATA.links,
        DATA.objectives,
        DATA.teams,
        art=DATA.art,
    )
    body = bottleneck_report(data, GOLDEN_WINDOW, AS_OF, Level.STORY, None, seed=7).to_dict()
    red_f1 = next(r for r in body["dependency_risk"]["data"] if r["provider"]["key"] == "RED-F1")
    assert red_f1["remaining_items"] == 2
    # two successes at p = 2/90 a day: P(done by day k) = 1 - q^k - k p q^(k-1), q = 88/90,
    # first reaches 0.85 at k = 151 (day 151 from 02-10 is 07-10); the simulation lands near
    assert abs((date.fromisoformat(red_f1["finish_p85"]) - date(2026, 7, 10)).days) <= 4
    assert red_f1["finish_p85"] > "2026-05-03"  # one story alone: 05-03


def test_a_team_that_finishes_nothing_never_meets_the_need() -> None:
    # On 1 Aug 2026 nothing was done in the 90 days before: every trial draws only zeros, so
    # no finish date exists, and every open dependency is at risk
    body = report(GOLDEN_WINDOW, None, datetime(2026, 8, 1, tzinfo=UTC))
    risk = body["dependency_risk"]
    assert risk["assessed"] == len(risk["data"]) == 8
    first = risk["data"][0]
    assert (first["sample_done"], first["finish_p85"], first["days_after_need"]) == (0, None, None)
    assert first["reason"] == (
        "BLUE-F2 (Blue) has 1 item(s) left; at team Blue's pace (0 stories done in the last 90 "
        "days) it is not done within 3660 days in 85% of trials, and RED-F3 (Red) needs it "
        "(2026-02-16T00:00:00+00:00); the plan says late"
    )
